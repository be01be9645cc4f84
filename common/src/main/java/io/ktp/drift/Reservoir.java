package io.ktp.drift;

import io.ktp.denoise.SeededHash;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A seeded reservoir sample of at most {@code capacity} items. Every offered item gets a key from
 * a seeded hash of its id ({@link SeededHash}), and the reservoir keeps the items with the
 * smallest keys (bottom-k sampling). Each subset of {@code capacity} distinct ids is equally
 * likely, as with Vitter's Algorithm R. The result depends only on the seed and the ids, so
 * reservoirs filled on different partitions can be merged and give the same sample for any
 * partitioning or order.
 *
 * <p>Memory: at most 2 x capacity items; the list is sorted and cut back to the capacity whenever
 * it doubles.
 *
 * @param <T> the item type
 */
public final class Reservoir<T extends Serializable> implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int capacity;
  private final long seed;
  private final ArrayList<Entry<T>> entries = new ArrayList<>();
  private long offered;

  /** Creates an empty reservoir of {@code capacity} >= 0 items. */
  public Reservoir(int capacity, long seed) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
    }
    this.capacity = capacity;
    this.seed = seed;
  }

  /** Offers one item; returns this reservoir. */
  public Reservoir<T> offer(String id, T item) {
    offered++;
    if (capacity > 0) {
      entries.add(new Entry<>(SeededHash.of(seed, id, 0), id, item));
      if (entries.size() >= 2 * capacity) {
        trim();
      }
    }
    return this;
  }

  /** Adds every item of {@code other}, which must have the same capacity and seed; returns this. */
  public Reservoir<T> merge(Reservoir<T> other) {
    if (other.capacity != capacity || other.seed != seed) {
      throw new IllegalArgumentException("Cannot merge reservoirs of different capacity or seed");
    }
    offered += other.offered;
    entries.addAll(other.entries);
    trim();
    return this;
  }

  /** Returns the sampled items, ordered by key. */
  public List<T> items() {
    trim();
    List<T> items = new ArrayList<>(entries.size());
    for (Entry<T> entry : entries) {
      items.add(entry.item());
    }
    return items;
  }

  /** Returns how many items were offered to this reservoir and the ones merged into it. */
  public long offered() {
    return offered;
  }

  private void trim() {
    entries.sort(Comparator.<Entry<T>>comparingLong(Entry::key).thenComparing(Entry::id));
    while (entries.size() > capacity) {
      entries.remove(entries.size() - 1);
    }
  }

  private record Entry<T>(long key, String id, T item) implements Serializable {
  }
}
