package io.ktp.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.sql.types.Metadata;
import org.junit.jupiter.api.Test;

class TokenFeaturesTest {
  @Test
  void tokenizeLowerCasesWords() {
    assertEquals(List.of("wow", "loved", "this", "place"),
        TokenFeatures.tokenize("Wow... Loved this place."));
    assertEquals(List.of("i", "don't", "like", "it", "10", "times"),
        TokenFeatures.tokenize("I DON'T like it - 10 times!"));
    assertEquals(List.of(), TokenFeatures.tokenize(" ... "));
  }

  @Test
  void featuresCountTokensPerBucket() {
    TokenFeatures hashing = new TokenFeatures(16);
    HashingTF reference = new HashingTF().setNumFeatures(16);

    double[] features = hashing.features(List.of("good", "good", "food"));

    double[] expected = new double[16];
    expected[reference.indexOf("good")] += 2;
    expected[reference.indexOf("food")] += 1;
    assertEquals(Arrays.toString(expected), Arrays.toString(features));
    assertEquals(3.0, Arrays.stream(features).sum());
  }

  @Test
  void metadataRecordsMethod() {
    Metadata metadata = new TokenFeatures(64).metadata();

    assertEquals(64, TokenFeatures.of(metadata).buckets());
    assertEquals(0, metadata.getLong(Samples.GRID_ROWS));
    assertNull(TokenFeatures.of(Metadata.empty()));
  }
}
