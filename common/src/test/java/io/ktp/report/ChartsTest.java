package io.ktp.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.Range;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ChartsTest {
  private static final double NAN = Double.NaN;
  private static final Charts CHARTS = new Charts();

  @TempDir
  java.nio.file.Path temp;

  @Test
  void lineChartRendersDefaultSize() throws IOException {
    BufferedImage image = decode(renderLine(curves()));

    assertEquals(900, image.getWidth());
    assertEquals(540, image.getHeight());
  }

  @Test
  void lineChartDrawsEverySeriesColor() throws IOException {
    Set<Integer> colors = colors(decode(renderLine(curves())));

    assertTrue(colors.size() >= 10, "distinct colors: " + colors.size());
    assertTrue(colors.contains(0x0072B2), "first series color is missing");
    assertTrue(colors.contains(0xD55E00), "second series color is missing");
    assertTrue(colors.contains(0x009E73), "third series color is missing");
  }

  @Test
  void lineChartIsDeterministic() throws IOException {
    assertArrayEquals(renderLine(curves()), renderLine(curves()));
  }

  @Test
  void lineChartDoesNotDependOnDefaultLocale() throws IOException {
    Locale original = Locale.getDefault();
    byte[] rootLocale;
    byte[] germanLocale;
    try {
      Locale.setDefault(Locale.ROOT);
      rootLocale = renderLine(curves());
      Locale.setDefault(Locale.GERMANY);
      germanLocale = renderLine(curves());
    } finally {
      Locale.setDefault(original);
    }

    assertArrayEquals(rootLocale, germanLocale);
  }

  @Test
  void lineChartRendersNanGaps() {
    Map<String, double[]> gaps = Map.of("fine-tuned", new double[] {NAN, 0.5, NAN, 0.7, NAN});

    assertDoesNotThrow(() -> renderLine(gaps));
  }

  @Test
  void lineChartLeavesNanOutOfRange() {
    Map<String, double[]> gaps = Map.of("fine-tuned", new double[] {0.9, NAN, 0.8, 0.85});

    JFreeChart chart = CHARTS.buildLineChart("Accuracy", "epoch", "accuracy", gaps);
    XYPlot plot = chart.getXYPlot();

    assertTrue(Double.isNaN(plot.getDataset().getYValue(0, 1)), "epoch 2 is not NaN");
    Range values = plot.getRangeAxis().getRange();
    assertTrue(values.getLowerBound() > 0.7, "y axis starts at " + values.getLowerBound());
    assertTrue(values.getUpperBound() < 1.0, "y axis ends at " + values.getUpperBound());
  }

  @Test
  void lineChartPlotsEpochsFromOne() {
    JFreeChart chart = CHARTS.buildLineChart("Loss", "epoch", "loss", curves());
    XYPlot plot = chart.getXYPlot();

    assertEquals(3, plot.getDataset().getSeriesCount());
    assertEquals("fine-tuned", plot.getDataset().getSeriesKey(0));
    assertEquals(1.0, plot.getDataset().getXValue(0, 0));
    assertEquals(6.0, plot.getDataset().getXValue(0, 5));
    assertEquals(4, plot.getDataset().getItemCount(2));
  }

  @Test
  void longSeriesMarksOnlyLonePoints() {
    double[] values = new double[100];
    Arrays.fill(values, 0.5);
    values[49] = NAN;
    values[51] = NAN;
    Map<String, double[]> series = new LinkedHashMap<>();
    series.put("long", values);
    series.put("short", new double[] {0.4, 0.3});

    XYPlot plot = CHARTS.buildLineChart("Loss", "epoch", "loss", series).getXYPlot();
    XYItemRenderer renderer = plot.getRenderer();

    assertTrue(renderer instanceof CurveRenderer);
    CurveRenderer curves = (CurveRenderer) renderer;
    assertFalse(curves.getItemShapeVisible(0, 0), "epoch 1 of the long series is marked");
    assertFalse(curves.getItemShapeVisible(0, 48), "epoch 49 of the long series is marked");
    assertTrue(curves.getItemShapeVisible(0, 50), "lone epoch 51 is not marked");
    assertTrue(curves.getItemShapeVisible(1, 0), "epoch 1 of the short series is not marked");
    assertTrue(curves.getItemShapeVisible(1, 1), "epoch 2 of the short series is not marked");
  }

  @Test
  void barChartRendersDefaultSize() throws IOException {
    BufferedImage image = decode(renderBars(accuracies()));

    assertEquals(900, image.getWidth());
    assertEquals(540, image.getHeight());
  }

  @Test
  void barChartDrawsBars() throws IOException {
    Set<Integer> colors = colors(decode(renderBars(accuracies())));

    assertTrue(colors.size() >= 10, "distinct colors: " + colors.size());
    assertTrue(colors.contains(0x0072B2), "bar color is missing");
  }

  @Test
  void barChartIsDeterministic() throws IOException {
    assertArrayEquals(renderBars(accuracies()), renderBars(accuracies()));
  }

  @Test
  void barChartRendersNegativeAndManyBars() throws IOException {
    Map<String, Double> mmd = new LinkedHashMap<>();
    for (int i = 0; i < 12; i++) {
      mmd.put("domain " + i + " vs domain " + (i + 1), (i - 2) * 0.0004);
    }

    BufferedImage image = decode(renderBars(mmd));

    assertEquals(900, image.getWidth());
  }

  @Test
  void smallValuesGetDistinctTicks() {
    JFreeChart chart = CHARTS.buildBarChart("MMD²", "domain pair", "MMD²",
        Map.of("mnist → usps", 0.00123, "mnist → optdigits", 0.00041));
    NumberAxis axis = (NumberAxis) chart.getCategoryPlot().getRangeAxis();
    Graphics2D graphics = new BufferedImage(900, 540, BufferedImage.TYPE_INT_ARGB).createGraphics();

    List<String> labels = new ArrayList<>();
    for (Object tick : axis.refreshTicks(graphics, new AxisState(),
        new Rectangle2D.Double(0, 0, 800, 440), RectangleEdge.LEFT)) {
      if (((ValueTick) tick).getTickType() == TickType.MAJOR) {
        labels.add(((ValueTick) tick).getText());
      }
    }

    assertTrue(labels.size() >= 4, "ticks: " + labels);
    assertEquals(labels.size(), new HashSet<>(labels).size(), "repeated tick labels: " + labels);
    assertTrue(labels.contains("0.0005"), "ticks: " + labels);
  }

  @Test
  void customSizeRenders() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Charts(400, 300).barChart("Accuracy", "model", "accuracy", accuracies(), out);

    BufferedImage image = decode(out.toByteArray());

    assertEquals(400, image.getWidth());
    assertEquals(300, image.getHeight());
  }

  @Test
  void writeLeavesOnlyFinalFile() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path target = new Path(temp.toUri().toString(), "reports/loss.png");

    CHARTS.lineChart("Loss per epoch", "epoch", "cross-entropy loss", curves(), fs, target);

    assertEquals(List.of("loss.png"), listNames(fs, target.getParent()));
    assertEquals(List.of(), leftoverFiles(target.getParent()));
    assertArrayEquals(renderLine(curves()), read(fs, target));
  }

  @Test
  void writeReplacesExistingFile() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path target = new Path(temp.toUri().toString(), "accuracy.png");
    CHARTS.lineChart("Loss", "epoch", "loss", curves(), fs, target);

    CHARTS.barChart("Test accuracy by model", "model", "accuracy", accuracies(), fs, target);

    assertEquals(List.of("accuracy.png"), listNames(fs, target.getParent()));
    assertEquals(List.of(), leftoverFiles(target.getParent()));
    assertArrayEquals(renderBars(accuracies()), read(fs, target));
  }

  @Test
  void failedRenameLeavesNoFile() throws IOException {
    FileSystem fs = new FilterFileSystem(FileSystem.getLocal(new Configuration())) {
      @Override
      public boolean rename(Path from, Path to) {
        return false;
      }
    };
    Path target = new Path(temp.toUri().toString(), "mmd.png");

    IOException error = assertThrows(IOException.class,
        () -> CHARTS.barChart("MMD²", "domain pair", "MMD²", accuracies(), fs, target));

    assertTrue(error.getMessage().startsWith("Rename of "), error.getMessage());
    assertEquals(List.of(), listNames(fs, target.getParent()));
    assertEquals(List.of(), leftoverFiles(target.getParent()));
  }

  @Test
  void invalidInputWritesNothing() throws IOException {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    Path target = new Path(temp.toUri().toString(), "reports/loss.png");

    assertThrows(IllegalArgumentException.class,
        () -> CHARTS.lineChart("Loss", "epoch", "loss", Map.of(), fs, target));

    assertFalse(fs.exists(target.getParent()), "the chart folder was created");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"invalidLabelsAndSizes", "invalidSeries", "invalidBars"})
  void invalidInputIsRejected(String name, Executable call, String message) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);

    assertEquals(message, error.getMessage());
  }

  static Stream<Arguments> invalidLabelsAndSizes() {
    return Stream.of(
        invalid("null title", () -> line(null, curves()),
            "Invalid value null for title: must not be blank."
                + " Pass the heading to show above the chart."),
        invalid("blank title", () -> line("  ", curves()),
            "Invalid value \"  \" for title: must not be blank."
                + " Pass the heading to show above the chart."),
        invalid("blank x label", () -> CHARTS.lineChart("Loss", "", "loss", curves(), sink()),
            "Invalid value \"\" for xLabel: must not be blank."
                + " Pass the axis name, with its unit if it has one."),
        invalid("null y label", () -> CHARTS.lineChart("Loss", "epoch", null, curves(), sink()),
            "Invalid value null for yLabel: must not be blank."
                + " Pass the axis name, with its unit if it has one."),
        invalid("blank category label",
            () -> CHARTS.barChart("Accuracy", " ", "accuracy", accuracies(), sink()),
            "Invalid value \" \" for categoryLabel: must not be blank."
                + " Pass the axis name, with its unit if it has one."),
        invalid("zero width", () -> new Charts(0, 540),
            "Invalid value 0 for width: must be between 1 and 10000 pixels."),
        invalid("huge height", () -> new Charts(900, 10_001),
            "Invalid value 10001 for height: must be between 1 and 10000 pixels."),
        invalid("target without parent", () -> CHARTS.barChart("Accuracy", "model", "accuracy",
                accuracies(), FileSystem.getLocal(new Configuration()), new Path("/")),
            "Invalid value / for target: must be a file path inside a directory,"
                + " such as reports/loss.png."));
  }

  static Stream<Arguments> invalidSeries() {
    Map<String, double[]> nullName = new LinkedHashMap<>();
    nullName.put(null, new double[] {1.0});
    Map<String, double[]> nullValues = new LinkedHashMap<>();
    nullValues.put("source", null);
    return Stream.of(
        invalid("empty series map", () -> line("Loss", Map.of()),
            "No series to plot in chart \"Loss\": the series map is empty."
                + " Pass at least one series."),
        invalid("null series map", () -> line("Loss", null),
            "No series to plot in chart \"Loss\": the series map is null."
                + " Pass at least one series."),
        invalid("null series name", () -> line("Loss", nullName),
            "Invalid series name null in chart \"Loss\": must not be blank."
                + " Name each series, because the legend shows the names."),
        invalid("blank series name", () -> line("Loss", Map.of(" ", new double[] {1.0})),
            "Invalid series name \" \" in chart \"Loss\": must not be blank."
                + " Name each series, because the legend shows the names."),
        invalid("series with no values", () -> line("Loss", Map.of("source", new double[0])),
            "Series \"source\" in chart \"Loss\" has no values."
                + " Pass one value per epoch, or leave the series out."),
        invalid("series with null values", () -> line("Loss", nullValues),
            "Series \"source\" in chart \"Loss\" has no values."
                + " Pass one value per epoch, or leave the series out."),
        invalid("all-NaN series", () -> line("Loss", Map.of("source", new double[] {NAN, NAN})),
            "Series \"source\" in chart \"Loss\" has only NaN values (2 epochs)."
                + " Pass at least one finite value, or leave the series out."),
        invalid("single NaN series", () -> line("Loss", Map.of("source", new double[] {NAN})),
            "Series \"source\" in chart \"Loss\" has only NaN values (1 epoch)."
                + " Pass at least one finite value, or leave the series out."),
        invalid("infinite value", () -> line("Loss",
                Map.of("from scratch", new double[] {0.4, Double.POSITIVE_INFINITY})),
            "Series \"from scratch\" in chart \"Loss\" has value Infinity at epoch 2."
                + " Values must be finite, or NaN to leave a gap."));
  }

  static Stream<Arguments> invalidBars() {
    Map<String, Double> nullBar = new LinkedHashMap<>();
    nullBar.put("source", null);
    return Stream.of(
        invalid("empty bar map", () -> bars(Map.of()),
            "No bars to plot in chart \"Accuracy\": the bar map is empty. Pass at least one bar."),
        invalid("blank bar name", () -> bars(Map.of("", 0.5)),
            "Invalid bar name \"\" in chart \"Accuracy\": must not be blank."
                + " Name each bar, because the category axis shows the names."),
        invalid("NaN bar", () -> bars(Map.of("source", NAN)),
            "Bar \"source\" in chart \"Accuracy\" has value NaN."
                + " Bar values must be finite, so leave out a bar that has no value."),
        invalid("infinite bar", () -> bars(Map.of("source", Double.NEGATIVE_INFINITY)),
            "Bar \"source\" in chart \"Accuracy\" has value -Infinity."
                + " Bar values must be finite, so leave out a bar that has no value."),
        invalid("null bar", () -> bars(nullBar),
            "Bar \"source\" in chart \"Accuracy\" has value null."
                + " Bar values must be finite, so leave out a bar that has no value."));
  }

  private static Arguments invalid(String name, Executable call, String message) {
    return Arguments.of(name, call, message);
  }

  private static void line(String title, Map<String, double[]> series) throws IOException {
    CHARTS.lineChart(title, "epoch", "loss", series, sink());
  }

  private static void bars(Map<String, Double> bars) throws IOException {
    CHARTS.barChart("Accuracy", "model", "accuracy", bars, sink());
  }

  private static ByteArrayOutputStream sink() {
    return new ByteArrayOutputStream();
  }

  /** Returns loss per epoch for three models. "source" ran fewer epochs and missed one. */
  private static Map<String, double[]> curves() {
    Map<String, double[]> curves = new LinkedHashMap<>();
    curves.put("fine-tuned", new double[] {0.92, 0.51, 0.33, 0.25, 0.21, 0.19});
    curves.put("from scratch", new double[] {2.10, 1.45, 0.98, 0.71, 0.56, 0.47});
    curves.put("source", new double[] {1.20, NAN, 1.05, 1.01});
    return curves;
  }

  private static Map<String, Double> accuracies() {
    Map<String, Double> accuracies = new LinkedHashMap<>();
    accuracies.put("fine-tuned", 0.9743);
    accuracies.put("from scratch", 0.9121);
    accuracies.put("source", 0.6687);
    return accuracies;
  }

  private static byte[] renderLine(Map<String, double[]> series) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CHARTS.lineChart("Loss per epoch", "epoch", "cross-entropy loss", series, out);
    return out.toByteArray();
  }

  private static byte[] renderBars(Map<String, Double> bars) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CHARTS.barChart("Test accuracy by model", "model", "accuracy", bars, out);
    return out.toByteArray();
  }

  private static BufferedImage decode(byte[] png) throws IOException {
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(image, "ImageIO could not decode the PNG");
    return image;
  }

  private static Set<Integer> colors(BufferedImage image) {
    Set<Integer> colors = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colors.add(image.getRGB(x, y) & 0xFFFFFF);
      }
    }
    return colors;
  }

  private static byte[] read(FileSystem fs, Path file) throws IOException {
    try (InputStream in = fs.open(file)) {
      return in.readAllBytes();
    }
  }

  private static List<String> listNames(FileSystem fs, Path folder) throws IOException {
    return Stream.of(fs.listStatus(folder))
        .map(FileStatus::getPath)
        .map(Path::getName)
        .sorted()
        .collect(Collectors.toList());
  }

  /**
   * Lists files named as temporary or replaced outputs, including the checksum files that the
   * Hadoop listing hides.
   */
  private static List<String> leftoverFiles(Path folder) throws IOException {
    try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(
        java.nio.file.Path.of(folder.toUri()))) {
      return files.map(file -> file.getFileName().toString())
          .filter(name -> name.contains("_tmp-") || name.contains("_old-"))
          .sorted()
          .collect(Collectors.toList());
    }
  }
}
