package io.ktp.io;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.nd4j.kryo.Nd4jRegistrator;

/**
 * Kryo registrations for KTP jobs: ND4J's serializers for INDArrays, and Java serialization for
 * Java records. Kryo 4, which Spark 3.5 ships, cannot build its field serializer for a record
 * (such as {@code RawSample} or {@code Example}), and Spark then fails the task with "Unable to
 * create serializer". Set {@code spark.kryo.registrator} to this class together with
 * {@code spark.serializer=org.apache.spark.serializer.KryoSerializer}.
 */
public final class KryoRegistrator implements org.apache.spark.serializer.KryoRegistrator {
  /** Value of {@code spark.kryo.registrator} that selects this class. */
  public static final String CLASS_NAME = KryoRegistrator.class.getName();

  @Override
  public void registerClasses(Kryo kryo) {
    new Nd4jRegistrator().registerClasses(kryo);
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }
}
