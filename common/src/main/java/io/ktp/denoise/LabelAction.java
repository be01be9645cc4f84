package io.ktp.denoise;

/** Action of the denoise job on a row whose label is likely wrong. */
public enum LabelAction {
  /** Moves the row to the rejected table. */
  SET_ASIDE,
  /** Keeps the row with the class the out-of-fold models agree on. */
  RELABEL
}
