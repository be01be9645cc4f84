package io.ktp.report;

import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYDataset;

/**
 * Line renderer for training curves that marks every point of a short series, but on a long series
 * only the points with no line to either neighbor. Markers on hundreds of epochs merge into a thick
 * band, while a lone value between NaN gaps would be invisible without its marker.
 */
final class CurveRenderer extends XYLineAndShapeRenderer {
  private static final long serialVersionUID = 1L;

  private final int maxMarkedPoints;

  /** Creates a renderer that marks every point of series with at most {@code maxMarkedPoints}. */
  CurveRenderer(int maxMarkedPoints) {
    super(true, true);
    this.maxMarkedPoints = maxMarkedPoints;
  }

  @Override
  public boolean getItemShapeVisible(int series, int item) {
    XYDataset dataset = getPlot().getDataset();
    int count = dataset.getItemCount(series);
    return count <= maxMarkedPoints || isIsolated(dataset, series, item, count);
  }

  private static boolean isIsolated(XYDataset dataset, int series, int item, int count) {
    boolean lineBefore = item > 0 && !Double.isNaN(dataset.getYValue(series, item - 1));
    boolean lineAfter = item + 1 < count && !Double.isNaN(dataset.getYValue(series, item + 1));
    return !lineBefore && !lineAfter;
  }
}
