package dev.pipeseal.spark.sql;

import dev.pipeseal.spark.task.DecryptHandle;
import dev.pipeseal.spark.task.DecryptSpec;
import dev.pipeseal.spark.values.ValueType;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * {@code pipeseal_decrypt}, {@code pipeseal_decrypt_binary} and their {@code try_} forms: an
 * envelope (binary) back to the type it was encrypted as. Generated code keeps one {@link
 * DecryptHandle} per partition; the {@code try_} forms return null where the others fail.
 */
public final class DecryptExpression extends UnaryPipesealExpression<DecryptSpec> {
  private static final long serialVersionUID = 1L;

  private final DataType resultType;
  private transient DecryptHandle interpreted;

  public DecryptExpression(Expression child, DecryptSpec spec) {
    super(child, spec);
    this.resultType =
        spec.type() == null
            ? DataTypes.BinaryType
            : spec.type() == ValueType.DECIMAL
                ? DataTypes.createDecimalType(spec.precision(), spec.scale())
                : spec.type().sparkType();
  }

  @Override
  public DataType dataType() {
    return resultType;
  }

  @Override
  public boolean nullable() {
    return spec.tryMode() || child.nullable();
  }

  @Override
  public String prettyName() {
    return spec.function();
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    if (!child.dataType().equals(DataTypes.BinaryType)) {
      return new TypeCheckResult.TypeCheckFailure(
          spec.function()
              + " decrypts binary values, but column '"
              + spec.column()
              + "' is "
              + child.dataType().simpleString());
    }
    return TypeCheckResult.TypeCheckSuccess$.MODULE$;
  }

  @Override
  Object nullSafeEval(Object input) {
    if (interpreted == null) {
      interpreted = DecryptHandle.open(spec);
    }
    DecryptHandle h = interpreted;
    if (!h.open((byte[]) input)) {
      return null;
    }
    if (spec.type() == null) {
      return h.readRaw();
    }
    return switch (spec.type()) {
      case STRING -> h.readUtf8();
      case BINARY -> h.readBytes();
      case BOOLEAN -> h.readBoolean();
      case BYTE -> h.readByte();
      case SHORT -> h.readShort();
      case INT, DATE -> h.readInt();
      case LONG, TIMESTAMP, TIMESTAMP_NTZ -> h.readLong();
      case FLOAT -> h.readFloat();
      case DOUBLE -> h.readDouble();
      case DECIMAL -> h.readDecimal();
      case FLOAT_VECTOR, DOUBLE_VECTOR -> h.readVector();
    };
  }

  private String readCall() {
    if (spec.type() == null) {
      return "readRaw()";
    }
    return switch (spec.type()) {
      case STRING -> "readUtf8()";
      case BINARY -> "readBytes()";
      case BOOLEAN -> "readBoolean()";
      case BYTE -> "readByte()";
      case SHORT -> "readShort()";
      case INT, DATE -> "readInt()";
      case LONG, TIMESTAMP, TIMESTAMP_NTZ -> "readLong()";
      case FLOAT -> "readFloat()";
      case DOUBLE -> "readDouble()";
      case DECIMAL -> "readDecimal()";
      case FLOAT_VECTOR, DOUBLE_VECTOR -> "readVector()";
    };
  }

  @Override
  String genBody(CodegenContext ctx, ExprCode ev, String c) {
    String specRef = ctx.addReferenceObj("pipesealSpec", spec, DecryptSpec.class.getName());
    String handleClass = DecryptHandle.class.getName();
    String handle =
        ctx.addMutableState(
            handleClass,
            "pipesealDecrypt",
            v -> v + " = " + handleClass + ".open(" + specRef + ");",
            false,
            true);
    String read = handle + "." + readCall();
    boolean mayBeNullResult = spec.tryMode();
    boolean decimal = spec.type() == ValueType.DECIMAL;
    String javaType = CodeGenerator.javaType(resultType);
    if (!mayBeNullResult) {
      return handle + ".open(" + c + ");\n" + ev.value() + " = " + read + ";";
    }
    String tmp = ctx.freshName("pipesealValue");
    return "if ("
        + handle
        + ".open("
        + c
        + ")) {\n"
        + (decimal
            ? javaType
                + " "
                + tmp
                + " = "
                + read
                + ";\n if ("
                + tmp
                + " == null) { "
                + ev.isNull()
                + " = true; } else { "
                + ev.value()
                + " = "
                + tmp
                + "; }\n"
            : ev.value() + " = " + read + ";\n")
        + "} else {\n"
        + ev.isNull()
        + " = true;\n}";
  }

  @Override
  Expression withChild(Expression newChild) {
    return new DecryptExpression(newChild, spec);
  }
}
