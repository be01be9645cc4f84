package io.ktp.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenTransformsTest {
  private static final List<String> SENTENCE = List.of("the", "food", "was", "not", "good", "at",
      "all", "and", "the", "service", "was", "slow");

  @Test
  void sameSeedGivesSameCopies() {
    assertEquals(TokenTransforms.dropout(SENTENCE, 0.3, new Random(7)),
        TokenTransforms.dropout(SENTENCE, 0.3, new Random(7)));
    assertEquals(TokenTransforms.swap(SENTENCE, 3, new Random(7)),
        TokenTransforms.swap(SENTENCE, 3, new Random(7)));
    assertNotEquals(TokenTransforms.swap(SENTENCE, 3, new Random(7)),
        TokenTransforms.swap(SENTENCE, 3, new Random(8)));
  }

  @Test
  void dropoutRateMatchesProbability() {
    // 20,000 sentences of 12 tokens: the dropped share has a standard error of
    // sqrt(0.3 * 0.7 / 240,000) = 0.00094, so 0.005 is more than 5 standard errors.
    Random random = new Random(11);
    long kept = 0;
    long total = 0;
    for (int i = 0; i < 20_000; i++) {
      kept += TokenTransforms.dropout(SENTENCE, 0.3, random).size();
      total += SENTENCE.size();
    }

    assertEquals(0.3, 1 - (double) kept / total, 0.005);
  }

  @Test
  void dropoutKeepsOrderOfKeptTokens() {
    List<String> numbered = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      numbered.add("t" + (100 + i));
    }

    List<String> kept = TokenTransforms.dropout(numbered, 0.5, new Random(3));

    List<String> sorted = new ArrayList<>(kept);
    Collections.sort(sorted);
    assertEquals(sorted, kept);
    assertTrue(kept.size() < numbered.size(), "dropped none of 50 at rate 0.5");
  }

  @Test
  void dropoutNeverEmptiesSentence() {
    List<String> kept = TokenTransforms.dropout(List.of("only", "two"), 0.999999, new Random(5));

    assertEquals(1, kept.size());
    assertTrue(List.of("only", "two").contains(kept.get(0)), kept.toString());
    assertEquals(List.of(), TokenTransforms.dropout(List.of(), 0.5, new Random(5)));
    assertEquals(SENTENCE, TokenTransforms.dropout(SENTENCE, 0, new Random(5)));
  }

  @Test
  void swapsKeepMultisetOfTokens() {
    Random random = new Random(13);
    for (int swaps = 1; swaps <= 5; swaps++) {
      List<String> swapped = TokenTransforms.swap(SENTENCE, swaps, random);

      List<String> expected = new ArrayList<>(SENTENCE);
      List<String> actual = new ArrayList<>(swapped);
      Collections.sort(expected);
      Collections.sort(actual);
      assertEquals(expected, actual, "after " + swaps + " swaps");
    }
  }

  @Test
  void oneSwapMovesExactlyTwoTokens() {
    List<String> distinct = List.of("a", "b", "c", "d", "e");
    for (long seed = 0; seed < 20; seed++) {
      List<String> swapped = TokenTransforms.swap(distinct, 1, new Random(seed));

      int moved = 0;
      for (int i = 0; i < distinct.size(); i++) {
        moved += distinct.get(i).equals(swapped.get(i)) ? 0 : 1;
      }
      assertEquals(2, moved, "seed " + seed + ": " + swapped);
    }
  }

  @Test
  void swapLeavesShortListUnchanged() {
    assertEquals(List.of("one"), TokenTransforms.swap(List.of("one"), 3, new Random(1)));
    assertEquals(List.of(), TokenTransforms.swap(List.of(), 3, new Random(1)));
  }
}
