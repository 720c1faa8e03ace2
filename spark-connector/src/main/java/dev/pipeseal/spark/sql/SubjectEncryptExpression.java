package dev.pipeseal.spark.sql;

import dev.pipeseal.spark.task.EncryptSpec;
import dev.pipeseal.spark.task.SubjectEncryptHandle;
import dev.pipeseal.spark.values.ValueType;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code pipeseal_encrypt_subject(value, subject, ...)}: randomized encryption under the subject's
 * own key. The child is {@code struct(value, subject)}, so the unary machinery (code generation,
 * per-task handle field) serves two inputs; a null value gives null, a null subject fails.
 */
public final class SubjectEncryptExpression extends UnaryPipesealExpression<EncryptSpec> {
  private static final long serialVersionUID = 1L;

  private transient SubjectEncryptHandle interpreted;

  public SubjectEncryptExpression(Expression child, EncryptSpec spec) {
    super(child, spec);
  }

  @Override
  public DataType dataType() {
    return DataTypes.BinaryType;
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public boolean deterministic() {
    return false;
  }

  @Override
  public String prettyName() {
    return spec.function();
  }

  private DataType valueType() {
    return ((StructType) child.dataType()).fields()[0].dataType();
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    StructType st = (StructType) child.dataType();
    if (ValueType.of(valueType()) == null) {
      return new TypeCheckResult.TypeCheckFailure(
          spec.function()
              + " cannot encrypt "
              + valueType().simpleString()
              + " (column '"
              + spec.column()
              + "')");
    }
    if (!st.fields()[1].dataType().equals(DataTypes.StringType)) {
      return new TypeCheckResult.TypeCheckFailure(
          spec.function()
              + ": the subject must be a string, got "
              + st.fields()[1].dataType().simpleString()
              + " (cast it: CAST(user_id AS STRING))");
    }
    return TypeCheckResult.TypeCheckSuccess$.MODULE$;
  }

  private byte tag() {
    return ValueType.of(valueType()).tag();
  }

  @Override
  Object nullSafeEval(Object input) {
    if (interpreted == null) {
      interpreted = SubjectEncryptHandle.open(spec, tag(), valueType());
    }
    return interpreted.encrypt((InternalRow) input);
  }

  @Override
  String genBody(CodegenContext ctx, ExprCode ev, String c) {
    String specRef = ctx.addReferenceObj("pipesealSpec", spec, EncryptSpec.class.getName());
    String typeRef =
        ctx.addReferenceObj("pipesealValueType", valueType(), DataType.class.getName());
    String handleClass = SubjectEncryptHandle.class.getName();
    byte tag = tag();
    String handle =
        ctx.addMutableState(
            handleClass,
            "pipesealSubjectEncrypt",
            v ->
                v
                    + " = "
                    + handleClass
                    + ".open("
                    + specRef
                    + ", (byte) "
                    + tag
                    + ", "
                    + typeRef
                    + ");",
            false,
            true);
    return ev.value()
        + " = "
        + handle
        + ".encrypt("
        + c
        + ");\n"
        + ev.isNull()
        + " = "
        + ev.value()
        + " == null;";
  }

  @Override
  Expression withChild(Expression newChild) {
    return new SubjectEncryptExpression(newChild, spec);
  }
}
