package io.ktp.jobs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ktp.cli.UserException;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InputsTest {
  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource({
      // java.nio gives file:///a, Hadoop gives file:/a for the same local path.
      "file:///ws/samples/x.csv.gz, file:/ws/samples",
      "file:/ws/samples/x.csv.gz,   file:///ws/samples/",
      "file:///data/x.csv.gz,       file:/data/x.csv.gz",
      "file:/ws/samples,            file:///ws/samples/mnist",
      "file:/ws/a/../samples/x.gz,  file:/ws/samples",
      "hdfs://nn:8020/ws/x.gz,      hdfs://nn:8020/ws"})
  void overlappingPathsAreRejected(String input, String output) {
    UserException error = assertThrows(UserException.class,
        () -> Inputs.checkDisjoint(new Path(input), "--optdigits", new Path(output),
            "--workspace"));

    assertEquals("Output " + new Path(output) + " (--workspace) overlaps input " + new Path(input)
        + " (--optdigits): choose an output location outside the input", error.getMessage());
  }

  @ParameterizedTest(name = "{0} and {1}")
  @CsvSource({
      "file:/data/x.csv.gz,      file:/ws/samples/optdigits",
      "file:/ws/samples-old/x,   file:/ws/samples",
      "file:/ws/samples,         file:/ws/samples-new",
      "hdfs://nn:8020/ws/x.gz,   file:/ws",
      "hdfs://nn:8020/ws/x.gz,   hdfs://other:8020/ws"})
  void separatePathsAreAccepted(String input, String output) {
    assertDoesNotThrow(() -> Inputs.checkDisjoint(new Path(input), "--optdigits",
        new Path(output), "--workspace"));
  }
}
