using System;
using System.Text;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// A small indenting writer: every emitter writes through one, so indentation is never built by hand, and
/// <see cref="ToString"/> checks that every block opened was closed.
/// </summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _indent;

    public SourceWriter Line(string text = "")
    {
        if (text.Length == 0)
        {
            _builder.Append('\n');
            return this;
        }
        foreach (var line in text.Split('\n'))
        {
            if (line.Length > 0)
            {
                for (int i = 0; i < _indent; i++) _builder.Append(IndentUnit);
                _builder.Append(line.TrimEnd('\r'));
            }
            _builder.Append('\n');
        }
        return this;
    }

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace, and indents.</summary>
    public SourceWriter Open(string? header = null)
    {
        if (header is not null) Line(header);
        Line("{");
        _indent++;
        return this;
    }

    /// <summary>Unindents and writes a closing brace followed by <paramref name="suffix"/>.</summary>
    public SourceWriter Close(string suffix = "")
    {
        if (_indent == 0) throw new InvalidOperationException("Close without Open.");
        _indent--;
        Line("}" + suffix);
        return this;
    }

    public override string ToString()
    {
        if (_indent != 0) throw new InvalidOperationException($"Unbalanced blocks: indentation is {_indent} at the end.");
        return _builder.ToString();
    }
}
