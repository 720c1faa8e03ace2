package dev.pipeseal.spark.sql;

import java.io.Serializable;
import java.util.Objects;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeBlock;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.expressions.codegen.JavaCode;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One child and one serializable spec, written in Java against {@link Expression} directly (Scala's
 * {@code UnaryExpression} mixes in a self-typed trait that Java cannot extend). Nulls in, nulls
 * out; the product is {@code (child, spec)}, matching the constructor, as Catalyst's copy machinery
 * expects.
 */
abstract class UnaryPipesealExpression<S extends Serializable> extends Expression
    implements Serializable {
  private static final long serialVersionUID = 1L;

  protected final Expression child;
  protected final S spec;

  UnaryPipesealExpression(Expression child, S spec) {
    this.child = Objects.requireNonNull(child, "child");
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  public Expression child() {
    return child;
  }

  public S spec() {
    return spec;
  }

  abstract Expression withChild(Expression newChild);

  /** Evaluates a non-null input on the interpreted path. */
  abstract Object nullSafeEval(Object input);

  /**
   * Java statements that set {@code ev.value} (and may set {@code ev.isNull}) from the non-null
   * child value held in {@code childValue}.
   */
  abstract String genBody(CodegenContext ctx, ExprCode ev, String childValue);

  @Override
  public Seq<Expression> children() {
    return CollectionConverters.asScala(java.util.List.of(child)).toList();
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return withChild(newChildren.apply(0));
  }

  @Override
  public Object eval(InternalRow row) {
    Object v = child.eval(row);
    return v == null ? null : nullSafeEval(v);
  }

  @Override
  public boolean foldable() {
    return false;
  }

  /** Handles hold per-task state: Spark must copy the expression rather than share it. */
  @Override
  public boolean stateful() {
    return true;
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    ExprCode c = child.genCode(ctx);
    String code =
        c.code()
            + "\nboolean "
            + ev.isNull()
            + " = "
            + c.isNull()
            + ";\n"
            + CodeGenerator.javaType(dataType())
            + " "
            + ev.value()
            + " = "
            + CodeGenerator.defaultValue(dataType(), true)
            + ";\nif (!"
            + ev.isNull()
            + ") {\n"
            + genBody(ctx, ev, c.value().toString())
            + "\n}\n";
    return ev.copy(
        new CodeBlock(
            CollectionConverters.asScala(java.util.List.of(code)).toList(),
            CollectionConverters.asScala(java.util.List.<JavaCode>of()).toList()),
        ev.isNull(),
        ev.value());
  }

  @Override
  public int productArity() {
    return 2;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> child;
      case 1 -> spec;
      default -> throw new IndexOutOfBoundsException(n);
    };
  }

  @Override
  public boolean canEqual(Object other) {
    return other != null && other.getClass() == getClass();
  }

  @Override
  public boolean equals(Object o) {
    return o != null
        && o.getClass() == getClass()
        && ((UnaryPipesealExpression<?>) o).child.equals(child)
        && ((UnaryPipesealExpression<?>) o).spec.equals(spec);
  }

  @Override
  public int hashCode() {
    return Objects.hash(getClass(), child, spec);
  }
}
