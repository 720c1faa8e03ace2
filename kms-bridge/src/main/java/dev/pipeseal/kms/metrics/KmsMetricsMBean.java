package dev.pipeseal.kms.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;

/**
 * One bridge's counters as a read-only JMX MBean (JDK only: no metrics library on a Kafka client's
 * classpath). Attributes are {@link MetricSample#attribute()} names ({@code unwrap.calls}, {@code
 * key.pii.generate.calls}, {@code errors.UnknownKeyException}, {@code cache.hits}, {@code
 * provider.unwrap.calls}, ...), read fresh on every access; new keys and operations appear as they
 * are used.
 */
public final class KmsMetricsMBean implements DynamicMBean {
  /** JMX domain of every Pipeseal MBean. */
  public static final String DOMAIN = "dev.pipeseal";

  private final Supplier<List<MetricSample>> samples;
  private final String description;

  public KmsMetricsMBean(Supplier<List<MetricSample>> samples) {
    this(samples, "Pipeseal KMS bridge counters");
  }

  /** An MBean of {@code samples} described as {@code description}. */
  public KmsMetricsMBean(Supplier<List<MetricSample>> samples, String description) {
    this.samples = Objects.requireNonNull(samples, "samples");
    this.description = Objects.requireNonNull(description, "description");
  }

  @Override
  public Object getAttribute(String attribute) throws AttributeNotFoundException {
    for (MetricSample s : samples.get()) {
      if (s.attribute().equals(attribute)) {
        return s.value();
      }
    }
    throw new AttributeNotFoundException(attribute);
  }

  @Override
  public void setAttribute(Attribute attribute) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public AttributeList getAttributes(String[] attributes) {
    AttributeList out = new AttributeList();
    List<MetricSample> now = samples.get();
    for (String a : attributes) {
      for (MetricSample s : now) {
        if (s.attribute().equals(a)) {
          out.add(new Attribute(a, s.value()));
          break;
        }
      }
    }
    return out;
  }

  @Override
  public AttributeList setAttributes(AttributeList attributes) {
    return new AttributeList();
  }

  @Override
  public Object invoke(String actionName, Object[] params, String[] signature) {
    throw new UnsupportedOperationException("no operations");
  }

  @Override
  public MBeanInfo getMBeanInfo() {
    List<MBeanAttributeInfo> attrs = new ArrayList<>();
    for (MetricSample s : samples.get()) {
      attrs.add(
          new MBeanAttributeInfo(
              s.attribute(), Double.class.getName(), s.help(), true, false, false));
    }
    return new MBeanInfo(
        KmsMetricsMBean.class.getName(),
        description,
        attrs.toArray(MBeanAttributeInfo[]::new),
        null,
        new MBeanOperationInfo[0],
        new MBeanNotificationInfo[0]);
  }
}
