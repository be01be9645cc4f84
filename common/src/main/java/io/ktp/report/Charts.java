package io.ktp.report;

import io.ktp.io.AtomicOutput;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import java.util.Objects;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DefaultDrawingSupplier;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders report charts as PNG images with JFreeChart: training curves as line charts and
 * per-pair or per-model numbers as bar charts.
 *
 * <p>Each chart is written to an {@link OutputStream}, or atomically to a Hadoop {@link Path}. Bad
 * input raises {@link IllegalArgumentException} before any byte is written. The same input gives
 * the same bytes with the same JDK and fonts, because the PNG contains no timestamp and numbers are
 * formatted in {@link java.util.Locale#ROOT}. Series and bars appear in the iteration order of the map, so
 * pass a {@code LinkedHashMap} or {@code TreeMap} to fix their order and colors.
 *
 * <p>Rendering draws into an in-memory image and needs no display, so it runs in a headless JVM.
 * Instances are immutable.
 */
public final class Charts {
  /** Default image width in pixels. */
  public static final int DEFAULT_WIDTH = 900;
  /** Default image height in pixels. */
  public static final int DEFAULT_HEIGHT = 540;

  private static final Logger LOG = LoggerFactory.getLogger(Charts.class);

  /**
   * Series colors: the color set of Okabe and Ito ("Color Universal Design", 2002, revised 2008),
   * which stays distinct for the common color-vision deficiencies. Its yellow is left out because
   * it is hard to see on white. Line charts also give each series its own marker shape, so more
   * series than colors stay distinct.
   */
  private static final Paint[] PALETTE = {
      new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
      new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000)};
  private static final Color GRID = new Color(0xD0D0D0);
  private static final BasicStroke LINE = new BasicStroke(2f);
  /** Space between the image edge and the title, axes and legend. */
  private static final RectangleInsets CHART_PADDING = new RectangleInsets(8, 8, 8, 8);
  /** Space around each legend label, with 16 px on the right to separate it from the next item. */
  private static final RectangleInsets LEGEND_LABEL_PADDING = new RectangleInsets(2, 4, 2, 16);

  /**
   * Image width in pixels per marked point. A series with more than width / 20 points is drawn
   * without markers: at 900 pixels that is 45 points about 17 pixels apart, and the 6-pixel
   * markers of denser series merge into a band.
   */
  private static final int MARKER_SPACING = 20;
  /** With more bars than this, category labels are drawn at 45 degrees so they do not overlap. */
  private static final int UPRIGHT_LABELS_MAX = 8;
  /** Fraction of the value range kept free above the tallest bar for its value label. */
  private static final double BAR_LABEL_MARGIN = 0.12;
  /** Widest bar as a fraction of the plot width, so one or two bars do not fill the plot. */
  private static final double MAX_BAR_WIDTH = 0.15;

  private final int width;
  private final int height;

  /** Creates charts of {@value #DEFAULT_WIDTH} x {@value #DEFAULT_HEIGHT} pixels. */
  public Charts() {
    this(DEFAULT_WIDTH, DEFAULT_HEIGHT);
  }

  /** Creates charts of {@code width} x {@code height} pixels, each between 1 and 10000. */
  public Charts(int width, int height) {
    ChartInputs.checkSide("width", width);
    ChartInputs.checkSide("height", height);
    this.width = width;
    this.height = height;
  }

  /** Returns the image width in pixels. */
  public int width() {
    return width;
  }

  /** Returns the image height in pixels. */
  public int height() {
    return height;
  }

  /**
   * Writes a line chart as PNG to {@code out}, which stays open. Each entry of {@code series} is
   * one line through the points (i + 1, values[i]), so the x axis counts epochs from 1. A NaN value
   * leaves a gap in its line, and the y axis fits the finite values.
   *
   * @throws IllegalArgumentException if the title or a label is blank, the map is empty, or a
   *     series has a blank name, no values, only NaN values, or an infinite value
   */
  public void lineChart(String title, String xLabel, String yLabel, Map<String, double[]> series,
      OutputStream out) throws IOException {
    Objects.requireNonNull(out, "out");
    writePng(buildLineChart(title, xLabel, yLabel, series), out);
  }

  /**
   * Writes a line chart as in {@link #lineChart(String, String, String, Map, OutputStream)} to
   * {@code target}, replacing an existing file. The PNG is written to a temporary sibling whose
   * name starts with {@code _tmp-} and then renamed, so readers never see a partial image.
   */
  public void lineChart(String title, String xLabel, String yLabel, Map<String, double[]> series,
      FileSystem fs, Path target) throws IOException {
    checkTarget(fs, target);
    writeAtomically(buildLineChart(title, xLabel, yLabel, series), fs, target);
    LOG.info("Wrote line chart {} with {} series ({}x{} px) to {}",
        ChartInputs.quote(title), series.size(), width, height, target);
  }

  /**
   * Writes a bar chart as PNG to {@code out}, which stays open. Each entry of {@code bars} is one
   * bar, labeled with its value. The value axis always includes zero.
   *
   * @throws IllegalArgumentException if the title or a label is blank, the map is empty, or a bar
   *     has a blank name or a value that is null, NaN or infinite
   */
  public void barChart(String title, String categoryLabel, String valueLabel,
      Map<String, Double> bars, OutputStream out) throws IOException {
    Objects.requireNonNull(out, "out");
    writePng(buildBarChart(title, categoryLabel, valueLabel, bars), out);
  }

  /**
   * Writes a bar chart as in {@link #barChart(String, String, String, Map, OutputStream)} to
   * {@code target}, replacing an existing file, through a temporary sibling as in
   * {@link #lineChart(String, String, String, Map, FileSystem, Path)}.
   */
  public void barChart(String title, String categoryLabel, String valueLabel,
      Map<String, Double> bars, FileSystem fs, Path target) throws IOException {
    checkTarget(fs, target);
    writeAtomically(buildBarChart(title, categoryLabel, valueLabel, bars), fs, target);
    LOG.info("Wrote bar chart {} with {} bars ({}x{} px) to {}",
        ChartInputs.quote(title), bars.size(), width, height, target);
  }

  /** Validates the input and builds the line chart without rendering it. */
  JFreeChart buildLineChart(String title, String xLabel, String yLabel,
      Map<String, double[]> series) {
    ChartInputs.checkTitle(title);
    ChartInputs.checkAxisLabel("xLabel", xLabel);
    ChartInputs.checkAxisLabel("yLabel", yLabel);
    ChartInputs.checkSeries(title, series);

    XYSeriesCollection dataset = new XYSeriesCollection();
    for (Map.Entry<String, double[]> entry : series.entrySet()) {
      XYSeries line = new XYSeries(entry.getKey(), false, false);
      double[] values = entry.getValue();
      for (int i = 0; i < values.length; i++) {
        // NaN stays in the series: XYLineAndShapeRenderer draws no segment or marker at a NaN
        // point, and XYSeries leaves NaN out of the y range, so the line shows a gap there.
        line.add(i + 1, values[i]);
      }
      dataset.addSeries(line);
    }

    NumberAxis epochs = new NumberAxis(xLabel);
    epochs.setStandardTickUnits(ChartNumbers.tickUnits(true));
    epochs.setAutoRangeIncludesZero(false);
    NumberAxis values = new NumberAxis(yLabel);
    values.setStandardTickUnits(ChartNumbers.tickUnits(false));
    values.setAutoRangeIncludesZero(false);
    CurveRenderer renderer = new CurveRenderer(width / MARKER_SPACING);
    XYPlot plot = new XYPlot(dataset, epochs, values, renderer);

    JFreeChart chart = new JFreeChart(title, plot);
    style(chart);
    chart.getLegend().setItemLabelPadding(LEGEND_LABEL_PADDING);
    for (int i = 0; i < dataset.getSeriesCount(); i++) {
      renderer.setSeriesStroke(i, LINE);
    }
    return chart;
  }

  /** Validates the input and builds the bar chart without rendering it. */
  JFreeChart buildBarChart(String title, String categoryLabel, String valueLabel,
      Map<String, Double> bars) {
    ChartInputs.checkTitle(title);
    ChartInputs.checkAxisLabel("categoryLabel", categoryLabel);
    ChartInputs.checkAxisLabel("valueLabel", valueLabel);
    ChartInputs.checkBars(title, bars);

    DefaultCategoryDataset dataset = new DefaultCategoryDataset();
    for (Map.Entry<String, Double> entry : bars.entrySet()) {
      dataset.addValue(entry.getValue(), valueLabel, entry.getKey());
    }

    CategoryAxis categories = new CategoryAxis(categoryLabel);
    categories.setMaximumCategoryLabelLines(3);
    if (bars.size() > UPRIGHT_LABELS_MAX) {
      categories.setCategoryLabelPositions(CategoryLabelPositions.UP_45);
    }
    NumberAxis values = new NumberAxis(valueLabel);
    values.setStandardTickUnits(ChartNumbers.tickUnits(false));
    values.setUpperMargin(BAR_LABEL_MARGIN);
    values.setLowerMargin(BAR_LABEL_MARGIN);
    BarRenderer renderer = new BarRenderer();
    renderer.setMaximumBarWidth(MAX_BAR_WIDTH);
    CategoryPlot plot = new CategoryPlot(dataset, categories, values, renderer);

    JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
    style(chart);
    renderer.setDefaultItemLabelGenerator(
        new StandardCategoryItemLabelGenerator("{2}", ChartNumbers.valueFormat(bars.values())));
    renderer.setDefaultItemLabelsVisible(true);
    return chart;
  }

  private static void style(JFreeChart chart) {
    theme().apply(chart);
    chart.setPadding(CHART_PADDING);
  }

  /**
   * Returns a new theme: white background, light grid, the color palette and plain fonts. A new
   * instance per chart keeps charts independent of JFreeChart's global theme.
   */
  private static StandardChartTheme theme() {
    StandardChartTheme theme = new StandardChartTheme("KTP");
    theme.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
    theme.setLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    theme.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    theme.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    theme.setChartBackgroundPaint(Color.WHITE);
    theme.setPlotBackgroundPaint(Color.WHITE);
    theme.setDomainGridlinePaint(GRID);
    theme.setRangeGridlinePaint(GRID);
    theme.setAxisOffset(RectangleInsets.ZERO_INSETS);
    theme.setBarPainter(new StandardBarPainter());
    theme.setShadowVisible(false);
    theme.setDrawingSupplier(new DefaultDrawingSupplier(PALETTE,
        DefaultDrawingSupplier.DEFAULT_OUTLINE_PAINT_SEQUENCE,
        DefaultDrawingSupplier.DEFAULT_STROKE_SEQUENCE,
        DefaultDrawingSupplier.DEFAULT_OUTLINE_STROKE_SEQUENCE,
        DefaultDrawingSupplier.DEFAULT_SHAPE_SEQUENCE));
    return theme;
  }

  private void writePng(JFreeChart chart, OutputStream out) throws IOException {
    ChartUtils.writeChartAsPNG(out, chart, width, height);
  }

  private void writeAtomically(JFreeChart chart, FileSystem fs, Path target) throws IOException {
    AtomicOutput output = AtomicOutput.replacing(fs, target);
    boolean committed = false;
    try {
      try (OutputStream out = fs.create(output.path(), false)) {
        writePng(chart, out);
      }
      output.commit();
      committed = true;
    } finally {
      if (!committed) {
        output.abort();
      }
    }
  }

  private static void checkTarget(FileSystem fs, Path target) {
    Objects.requireNonNull(fs, "fs");
    Objects.requireNonNull(target, "target");
    if (target.getParent() == null) {
      throw new IllegalArgumentException("Invalid value " + target
          + " for target: must be a file path inside a directory, such as reports/loss.png.");
    }
  }
}
