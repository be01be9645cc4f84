package io.ktp.model;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A network loaded from the workspace with its manifest.
 *
 * @param network the network, with its updater state
 * @param manifest what the version records about itself
 */
public record StoredModel(MultiLayerNetwork network, Manifest manifest) {

  /** Returns {@code name/vN}, the reference other manifests use as parent. */
  public String reference() {
    return manifest.name() + "/v" + manifest.version();
  }
}
