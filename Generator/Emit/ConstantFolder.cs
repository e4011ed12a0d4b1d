using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// The last pass over a kernel class's text: the emitters write index arithmetic from templates, so a layer of one
/// channel or one tile leaves <c>for (int ic = 0; ic &lt; 1; ic++)</c>, <c>const int oc0 = 0;</c> and
/// <c>(0 + oy * 1) * 512</c>. This pass removes loops that run once and block constants, putting their value in their
/// place, and folds integer arithmetic on constants, so the code reads as it runs: <c>oy * 512</c>.
/// </summary>
/// <remarks>
/// Only integer index arithmetic changes: constants are folded where both operands are integer literals; x·1, x + 0
/// and 0·x only inside the arguments that are indices (<c>At</c>, <c>Row</c>, <c>LoadUnsafe</c>, <c>StoreUnsafe</c>,
/// casts to an integer type, loop headers, integer locals), never in float arithmetic, where x + 0 turns −0 into +0.
/// The values computed are the same; the C# compiler folds the same constants itself.
/// </remarks>
internal static class ConstantFolder
{
    /// <summary>The kernel class source with one-trip loops and block constants removed and constants folded.</summary>
    public static string Fold(string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)).GetRoot();
        return new Rewriter().Visit(root).ToFullString();
    }

    private sealed class Rewriter : CSharpSyntaxRewriter
    {
        private int _index; // > 0 while inside integer index arithmetic

        public override SyntaxNode? VisitForStatement(ForStatementSyntax node)
        {
            if (OneTrip(node) is { } value && node.Declaration!.Variables[0].Identifier.ValueText is var name && !Assigns(node.Statement, name))
            {
                var body = node.Statement is BlockSyntax block ? block : SyntaxFactory.Block(node.Statement);
                var replaced = (BlockSyntax)new Substitute(name, value).Visit(body)!;
                return Visit(replaced.WithLeadingTrivia(node.GetLeadingTrivia()).WithTrailingTrivia(node.GetTrailingTrivia()));
            }
            _index++;
            var declaration = (VariableDeclarationSyntax?)Visit(node.Declaration);
            var condition = (ExpressionSyntax?)Visit(node.Condition);
            var incrementors = VisitList(node.Incrementors);
            _index--;
            var statement = (StatementSyntax)Visit(node.Statement)!;
            return node.WithDeclaration(declaration).WithCondition(condition).WithIncrementors(incrementors).WithStatement(statement);
        }

        public override SyntaxNode? VisitBlock(BlockSyntax node)
        {
            // `const int v = 5;` at the top of a block: v replaced by 5 in the rest of the block.
            var statements = node.Statements.ToList();
            for (int k = 0; k < statements.Count; k++)
            {
                if (statements[k] is LocalDeclarationStatementSyntax { IsConst: true } local
                    && local.Declaration.Type is PredefinedTypeSyntax { Keyword.ValueText: "int" }
                    && local.Declaration.Variables.Count == 1
                    && local.Declaration.Variables[0].Initializer?.Value is LiteralExpressionSyntax literal
                    && literal.IsKind(SyntaxKind.NumericLiteralExpression)
                    && !local.GetLeadingTrivia().Any(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia)))
                {
                    var substitute = new Substitute(local.Declaration.Variables[0].Identifier.ValueText, (int)literal.Token.Value!);
                    statements.RemoveAt(k);
                    for (int j = k; j < statements.Count; j++) statements[j] = (StatementSyntax)substitute.Visit(statements[j])!;
                    k--;
                }
            }
            return base.VisitBlock(node.WithStatements(SyntaxFactory.List(statements)));
        }

        public override SyntaxNode? VisitLocalDeclarationStatement(LocalDeclarationStatementSyntax node)
        {
            bool integer = node.Declaration.Type is PredefinedTypeSyntax { Keyword.ValueText: "int" or "nint" or "nuint" } || node.Declaration.Type.ToString() is "nint" or "nuint";
            if (integer) _index++;
            var result = base.VisitLocalDeclarationStatement(node);
            if (integer) _index--;
            return result;
        }

        public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
        {
            string name = node.Expression switch
            {
                IdentifierNameSyntax id => id.Identifier.ValueText,
                MemberAccessExpressionSyntax member => member.Name.Identifier.ValueText,
                _ => "",
            };
            int[] indices = name switch
            {
                "At" => new[] { 1 },
                "Row" => new[] { 1, 2 },
                "LoadUnsafe" => new[] { 1 },
                "StoreUnsafe" => new[] { 2 },
                "Add" when node.Expression.ToString().EndsWith("Unsafe.Add", System.StringComparison.Ordinal) => new[] { 1 },
                _ => System.Array.Empty<int>(),
            };
            var expression = (ExpressionSyntax)Visit(node.Expression)!;
            var arguments = new List<ArgumentSyntax>();
            for (int k = 0; k < node.ArgumentList.Arguments.Count; k++)
            {
                bool index = indices.Contains(k);
                int saved = _index;
                _index = index ? _index + 1 : 0; // a call's other arguments are not index arithmetic, whatever surrounds it
                var argument = (ArgumentSyntax)Visit(node.ArgumentList.Arguments[k])!;
                _index = saved;
                // An element offset of a vector load or store that is a non-negative constant needs no cast; offset 0, no argument.
                if (index && name is "LoadUnsafe" or "StoreUnsafe" && Strip(argument.Expression) is CastExpressionSyntax { Expression: var inner } && Constant(Strip(inner)) is >= 0)
                {
                    if (Constant(Strip(inner)) == 0 && k == node.ArgumentList.Arguments.Count - 1) continue;
                    argument = argument.WithExpression(Strip(inner).WithTriviaFrom(argument.Expression));
                }
                arguments.Add(argument);
            }
            var separators = node.ArgumentList.Arguments.GetSeparators().Take(arguments.Count - 1);
            var invocation = node.WithExpression(expression).WithArgumentList(node.ArgumentList.WithArguments(SyntaxFactory.SeparatedList(arguments, separators)));
            // At(ref r, 0) is r itself.
            if (name == "At" && node.Expression is IdentifierNameSyntax && arguments.Count == 2
                && Constant(arguments[1].Expression) == 0 && arguments[0].Expression is IdentifierNameSyntax reference)
                return reference.WithTriviaFrom(node);
            return invocation;
        }

        public override SyntaxNode? VisitElementAccessExpression(ElementAccessExpressionSyntax node)
        {
            var expression = (ExpressionSyntax)Visit(node.Expression)!;
            _index++;
            var arguments = (BracketedArgumentListSyntax)Visit(node.ArgumentList)!;
            _index--;
            return node.WithExpression(expression).WithArgumentList(arguments);
        }

        public override SyntaxNode? VisitCastExpression(CastExpressionSyntax node)
        {
            bool integer = node.Type.ToString() is "int" or "nint" or "nuint" or "uint" or "long";
            if (integer) _index++;
            var result = (CastExpressionSyntax)base.VisitCastExpression(node)!;
            if (integer) _index--;
            if (integer && result.Expression is ParenthesizedExpressionSyntax { Expression: var inner } && IsPrimary(inner))
                result = result.WithExpression(inner.WithTriviaFrom(result.Expression));
            return result;
        }

        public override SyntaxNode? VisitParenthesizedExpression(ParenthesizedExpressionSyntax node)
        {
            var result = (ParenthesizedExpressionSyntax)base.VisitParenthesizedExpression(node)!;
            return _index > 0 && IsPrimary(result.Expression) && result.Expression is LiteralExpressionSyntax or IdentifierNameSyntax or ParenthesizedExpressionSyntax
                ? result.Expression.WithTriviaFrom(result)
                : result;
        }

        public override SyntaxNode? VisitBinaryExpression(BinaryExpressionSyntax node)
        {
            var result = (BinaryExpressionSyntax)base.VisitBinaryExpression(node)!;
            var left = result.Left;
            var right = result.Right;
            var kind = result.Kind();
            if (kind is not (SyntaxKind.AddExpression or SyntaxKind.SubtractExpression or SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression or SyntaxKind.ModuloExpression))
                return result;
            long? a = Constant(left), b = Constant(right);
            if (a is { } x && b is { } y)
            {
                long? value = kind switch
                {
                    SyntaxKind.AddExpression => x + y,
                    SyntaxKind.SubtractExpression => x - y,
                    SyntaxKind.MultiplyExpression => x * y,
                    SyntaxKind.DivideExpression when y > 0 && x >= 0 => x / y,
                    SyntaxKind.ModuloExpression when y > 0 && x >= 0 => x % y,
                    _ => null,
                };
                if (value is >= 0 and <= int.MaxValue) return Literal(value.Value).WithTriviaFrom(result);
                return result;
            }
            if (_index == 0) return result;
            left = Unwrap(left, kind, isLeft: true);
            right = Unwrap(right, kind, isLeft: false);
            result = result.WithLeft(left).WithRight(right);
            ExpressionSyntax? simpler = kind switch
            {
                SyntaxKind.MultiplyExpression when b == 1 => left,
                SyntaxKind.MultiplyExpression when a == 1 => right,
                SyntaxKind.MultiplyExpression when (a == 0 && Pure(right)) || (b == 0 && Pure(left)) => Literal(0),
                SyntaxKind.AddExpression when b == 0 => left,
                SyntaxKind.AddExpression when a == 0 => right,
                SyntaxKind.SubtractExpression when b == 0 => left,
                _ => null,
            };
            if (simpler is not null) return Unparenthesize(simpler).WithTriviaFrom(result);
            // (e + c1) + c2 → e + (c1 + c2): integer addition is associative, overflow or not.
            if (kind is SyntaxKind.AddExpression && b is { } c2 && left is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.AddExpression } inner && Constant(inner.Right) is { } c1
                && c1 + c2 is >= 0 and <= int.MaxValue)
                return inner.WithRight(Literal(c1 + c2).WithTriviaFrom(inner.Right)).WithTriviaFrom(result);
            // (e · c1) · c2 → e · (c1 · c2), likewise.
            if (kind is SyntaxKind.MultiplyExpression && b is { } m2 && left is BinaryExpressionSyntax { RawKind: (int)SyntaxKind.MultiplyExpression } product && Constant(product.Right) is { } m1
                && m1 * m2 is >= 0 and <= int.MaxValue)
                return product.WithRight(Literal(m1 * m2).WithTriviaFrom(product.Right)).WithTriviaFrom(result);
            // Parentheses around an operand that binds tighter than the operator (or as tight, on the left) go.
            return result.WithLeft(Unwrap(left, kind, isLeft: true)).WithRight(Unwrap(right, kind, isLeft: false));
        }

        private static ExpressionSyntax Unwrap(ExpressionSyntax operand, SyntaxKind parent, bool isLeft)
        {
            if (operand is not ParenthesizedExpressionSyntax { Expression: var inner }) return operand;
            if (IsPrimary(inner)) return inner.WithTriviaFrom(operand);
            if (inner is not BinaryExpressionSyntax binary) return operand;
            int outer = Precedence(parent), own = Precedence(binary.Kind());
            return own > outer || (own == outer && isLeft) ? inner.WithTriviaFrom(operand) : operand;
        }

        private static ExpressionSyntax Unparenthesize(ExpressionSyntax e)
            => e is ParenthesizedExpressionSyntax { Expression: var inner } && IsPrimary(inner) ? inner : e;

        private static int Precedence(SyntaxKind kind) => kind switch
        {
            SyntaxKind.MultiplyExpression or SyntaxKind.DivideExpression or SyntaxKind.ModuloExpression => 2,
            SyntaxKind.AddExpression or SyntaxKind.SubtractExpression => 1,
            _ => 0,
        };

        private static bool IsPrimary(ExpressionSyntax e)
            => e is LiteralExpressionSyntax or IdentifierNameSyntax or InvocationExpressionSyntax or MemberAccessExpressionSyntax or ElementAccessExpressionSyntax or ParenthesizedExpressionSyntax;

        /// <summary>No side effects and nothing but integer arithmetic on locals and literals.</summary>
        private static bool Pure(ExpressionSyntax e) => e switch
        {
            LiteralExpressionSyntax or IdentifierNameSyntax => true,
            ParenthesizedExpressionSyntax p => Pure(p.Expression),
            BinaryExpressionSyntax b => Pure(b.Left) && Pure(b.Right),
            _ => false,
        };

        private static ExpressionSyntax Strip(ExpressionSyntax e) => e is ParenthesizedExpressionSyntax p ? Strip(p.Expression) : e;
    }

    /// <summary>An int literal without a suffix, or a parenthesised one: its value.</summary>
    private static long? Constant(ExpressionSyntax e) => e switch
    {
        LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.NumericLiteralExpression) && literal.Token.Value is int value => value,
        ParenthesizedExpressionSyntax p => Constant(p.Expression),
        _ => null,
    };

    private static LiteralExpressionSyntax Literal(long value)
        => SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(((int)value).ToString(CultureInfo.InvariantCulture), (int)value));

    /// <summary>The value of <c>for (int v = a; v &lt; b; v++ or v += s)</c> when it runs exactly once, with constant a, b, s.</summary>
    private static int? OneTrip(ForStatementSyntax node)
    {
        if (node.Declaration is not { Type: PredefinedTypeSyntax { Keyword.ValueText: "int" }, Variables.Count: 1 } declaration) return null;
        if (node.Initializers.Count != 0 || node.Incrementors.Count != 1) return null;
        var variable = declaration.Variables[0];
        string name = variable.Identifier.ValueText;
        if (variable.Initializer?.Value is not { } init || Constant(init) is not { } from) return null;
        if (node.Condition is not BinaryExpressionSyntax { RawKind: (int)SyntaxKind.LessThanExpression, Left: IdentifierNameSyntax { Identifier.ValueText: var cv } } condition
            || cv != name || Constant(condition.Right) is not { } to) return null;
        long? step = node.Incrementors[0] switch
        {
            PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression, Operand: IdentifierNameSyntax id } when id.Identifier.ValueText == name => 1,
            PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression, Operand: IdentifierNameSyntax id } when id.Identifier.ValueText == name => 1,
            AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.AddAssignmentExpression, Left: IdentifierNameSyntax id } a when id.Identifier.ValueText == name => Constant(a.Right),
            _ => null,
        };
        return step is > 0 && from < to && from + step >= to ? (int)from : null;
    }

    /// <summary>Whether <paramref name="statement"/> writes <paramref name="name"/> or declares another variable of that name.</summary>
    private static bool Assigns(StatementSyntax statement, string name)
        => statement.DescendantNodes().Any(n => n switch
        {
            AssignmentExpressionSyntax a => a.Left is IdentifierNameSyntax id && id.Identifier.ValueText == name,
            PostfixUnaryExpressionSyntax p => p.Operand is IdentifierNameSyntax id && id.Identifier.ValueText == name,
            PrefixUnaryExpressionSyntax p => p.Operand is IdentifierNameSyntax id && id.Identifier.ValueText == name && p.IsKind(SyntaxKind.PreIncrementExpression) | p.IsKind(SyntaxKind.PreDecrementExpression),
            VariableDeclaratorSyntax v => v.Identifier.ValueText == name,
            ArgumentSyntax arg => !arg.RefKindKeyword.IsKind(SyntaxKind.None) && arg.Expression is IdentifierNameSyntax id && id.Identifier.ValueText == name,
            _ => false,
        });

    /// <summary>Replaces a local's every read by its constant value.</summary>
    private sealed class Substitute : CSharpSyntaxRewriter
    {
        private readonly string _name;
        private readonly int _value;

        public Substitute(string name, int value)
        {
            _name = name;
            _value = value;
        }

        public override SyntaxNode? VisitIdentifierName(IdentifierNameSyntax node)
            => node.Identifier.ValueText == _name && !(node.Parent is MemberAccessExpressionSyntax member && member.Name == node)
                ? Literal(_value).WithTriviaFrom(node)
                : node;
    }
}
