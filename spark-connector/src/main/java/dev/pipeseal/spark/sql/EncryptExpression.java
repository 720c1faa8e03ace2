package dev.pipeseal.spark.sql;

import dev.pipeseal.spark.task.EncryptHandle;
import dev.pipeseal.spark.task.EncryptSpec;
import dev.pipeseal.spark.values.ValueType;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code pipeseal_encrypt} and {@code pipeseal_encrypt_deterministic}: any supported value to an
 * envelope (binary). Generated code keeps one {@link EncryptHandle} per partition in a field and
 * calls it per row; nulls stay null. Randomized encryption is nondeterministic (so the optimizer
 * never folds or merges it); deterministic encryption is deterministic and never folded on the
 * driver.
 */
public final class EncryptExpression extends UnaryPipesealExpression<EncryptSpec> {
  private static final long serialVersionUID = 1L;

  private transient EncryptHandle interpreted;

  public EncryptExpression(Expression child, EncryptSpec spec) {
    super(child, spec);
  }

  @Override
  public DataType dataType() {
    return DataTypes.BinaryType;
  }

  @Override
  public boolean nullable() {
    return child.nullable();
  }

  @Override
  public boolean deterministic() {
    return spec.deterministic() && child.deterministic();
  }

  @Override
  public String prettyName() {
    return spec.function();
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    if (ValueType.of(child.dataType()) == null) {
      return new TypeCheckResult.TypeCheckFailure(
          spec.function()
              + " cannot encrypt "
              + child.dataType().simpleString()
              + " (column '"
              + spec.column()
              + "'); supported: string, binary, boolean, tinyint, smallint, int, bigint, float,"
              + " double, decimal, date, timestamp, timestamp_ntz, array<float>, array<double>");
    }
    return TypeCheckResult.TypeCheckSuccess$.MODULE$;
  }

  private byte tag() {
    return ValueType.of(child.dataType()).tag();
  }

  @Override
  Object nullSafeEval(Object input) {
    if (interpreted == null) {
      interpreted = EncryptHandle.open(spec, tag());
    }
    return interpreted.encryptObject(input);
  }

  @Override
  String genBody(CodegenContext ctx, ExprCode ev, String c) {
    String specRef = ctx.addReferenceObj("pipesealSpec", spec, EncryptSpec.class.getName());
    String handleClass = EncryptHandle.class.getName();
    byte tag = tag();
    String handle =
        ctx.addMutableState(
            handleClass,
            "pipesealEncrypt",
            v -> v + " = " + handleClass + ".open(" + specRef + ", (byte) " + tag + ");",
            false,
            true);
    return ev.value() + " = " + handle + ".encrypt(" + c + ");";
  }

  @Override
  Expression withChild(Expression newChild) {
    return new EncryptExpression(newChild, spec);
  }
}
