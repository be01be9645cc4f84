package io.ktp.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Checks the choice of the most accurate variant within a budget. */
class RecommendationTest {
  private record Variant(String name, double accuracy, double kilobytes) {
  }

  private static final List<Variant> VARIANTS = List.of(new Variant("teacher", 0.93, 80),
      new Variant("student", 0.92, 6), new Variant("int8", 0.92, 1.5),
      new Variant("pruned", 0.91, 1.2));

  @ParameterizedTest(name = "budget {0} KB")
  @CsvSource({"100, teacher", "80, teacher", "10, int8", "1.5, int8", "1.4, pruned"})
  void picksMostAccurateWithinBudget(double budget, String expected) {
    assertEquals(expected, Recommendation.best(VARIANTS, Variant::accuracy, Variant::kilobytes,
        budget).name());
  }

  @ParameterizedTest(name = "budget {0} KB")
  @CsvSource({"1.1", "0", "-1"})
  void returnsNullWhenNothingFits(double budget) {
    assertNull(Recommendation.best(VARIANTS, Variant::accuracy, Variant::kilobytes, budget));
  }
}
