using System.Linq;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// One instruction-set path of a vectorised kernel. Each condition is a constant to the JIT, so only the path the
/// machine supports survives in the compiled kernel. All three are emitted from one template: they differ only in
/// vector width and in how a fused multiply-add is spelled.
/// Under NativeAOT the conditions are compile-time constants of the chosen instruction-set baseline: the 256-bit path
/// tests <c>Vector256.IsHardwareAccelerated</c>, not <c>Avx2.IsSupported</c>, because from an AVX baseline the latter
/// is a run-time check while <c>Vector256&lt;T&gt;</c> is compiled as slow software emulation (docs/design/native-aot.md).
/// </summary>
internal sealed class Isa
{
    public static readonly Isa Avx512 = new(
        "AVX-512", "Vector512.IsHardwareAccelerated",
        "Vector512", 16, "FusedMultiplyAdd", "Avx512Path");

    public static readonly Isa Avx2 = new(
        "AVX2 + FMA", "Vector256.IsHardwareAccelerated && Fma.IsSupported",
        "Vector256", 8, "FusedMultiplyAdd", "Avx2Path");

    /// <summary>128-bit vectors: SSE or NEON where present, the BCL's software vectors elsewhere.</summary>
    public static readonly Isa Portable = new(
        "portable 128-bit", null,
        "Vector128", 4, "MultiplyAddEstimate", "PortablePath");

    public static readonly Isa[] All = { Avx512, Avx2, Portable };

    private Isa(string name, string? condition, string vector, int width, string fma, string pathType)
    {
        PathType = pathType;
        Name = name;
        Condition = condition;
        Vector = vector;
        Width = width;
        FmaMethod = fma;
    }

    public string Name { get; }

    /// <summary>The runtime's struct for this path (<c>NetCompiler.Support.IVectorPath</c>), a type argument of its kernels.</summary>
    public string PathType { get; }

    /// <summary>
    /// The widest vectors usable on this path for rows of <paramref name="count"/> floats: this path's own, or a
    /// narrower path's when a row is shorter than one vector (a machine with AVX-512 also has AVX2 and FMA).
    /// </summary>
    public Isa Fit(int count)
    {
        var isa = this;
        while (count < isa.Width && isa.Narrower is not null) isa = isa.Narrower;
        return isa;
    }

    /// <summary>
    /// The vectors for a dense layer's rows of <paramref name="count"/> floats: <see cref="Fit"/>'s, except that AVX-512
    /// gives way to AVX2 when 8-float vectors cover a row exactly and 16-float ones would leave a scalar tail of 8
    /// (LeNet-5's 120-wide rows: 15 vectors instead of 7 and 8 scalar steps, which also cost the four-row epilogue).
    /// </summary>
    public Isa FitRows(int count)
    {
        var isa = Fit(count);
        return isa == Avx512 && count % Avx512.Width != 0 && count % Avx2.Width == 0 ? Avx2 : isa;
    }

    private Isa? Narrower => this == Avx512 ? Avx2 : this == Avx2 ? Portable : null;

    /// <summary>The JIT-time constant that selects this path, in the kernels' short names; null for the last (fallback) path.</summary>
    public string? Condition { get; }

    /// <summary>The static vector class, e.g. <c>Vector512</c> (the kernels have <c>using System.Runtime.Intrinsics</c>).</summary>
    public string Vector { get; }

    public string VectorOfFloat => Vector + "<float>";

    /// <summary>Floats per vector.</summary>
    public int Width { get; }

    private string FmaMethod { get; }

    /// <summary>One declaration of zeroed vectors (<c>default</c> is all zero bits, as <c>Zero</c>).</summary>
    public string Zeros(System.Collections.Generic.IEnumerable<string> names)
        => $"{VectorOfFloat} {string.Join(", ", names.Select(n => n + " = default"))};";

    /// <summary>a·b + c.</summary>
    public string Fma(string a, string b, string c) => $"{Vector}.{FmaMethod}({a}, {b}, {c})";

    /// <summary>
    /// max(a, b), NaN when either is NaN (like <c>MathF.Max</c>), in three instructions on x86 (<c>vmaxps</c>, a NaN
    /// test of a, a blend) where <c>Vector.Max</c>, which also orders −0 below +0, takes eleven. <c>MaxNative</c> returns b
    /// when either is NaN on x86 (NaN on Arm), so only a NaN in a needs the blend. Ties of −0 and +0 may give either
    /// zero; they compare equal, which is all the pooling's backward pass asks. <paramref name="a"/> is read twice:
    /// pass a variable.
    /// </summary>
    public string MaxPropagatingNaN(string a, string b)
        => $"{Vector}.ConditionalSelect({Vector}.IsNaN({a}), {a}, {Vector}.MaxNative({a}, {b}))";

    public string Load(string reference, string offset) => offset == "0"
        ? $"{Vector}.LoadUnsafe(ref {reference})"
        : $"{Vector}.LoadUnsafe(ref {reference}, (nuint)({offset}))";

    public string Store(string value, string reference, string offset) => offset == "0"
        ? $"{Vector}.StoreUnsafe({value}, ref {reference});"
        : $"{Vector}.StoreUnsafe({value}, ref {reference}, (nuint)({offset}));";

    /// <summary>
    /// One branch per instruction set, the widest first; the JIT keeps only the one the machine runs. Each branch
    /// starts with a comment naming its path; <paramref name="body"/> writes the kernel for that path.
    /// </summary>
    public static void EmitBranches(SourceWriter w, System.Action<Isa> body) => EmitBranches(w, isa => isa, body);

    /// <summary>
    /// As <see cref="EmitBranches(SourceWriter, System.Action{Isa})"/> for a kernel whose code depends only on
    /// <paramref name="select"/> of the path (say, the vectors that fit its rows): paths that select the same emit one
    /// branch, under their conditions joined by ||, instead of the same code twice; one branch for all of them, none.
    /// </summary>
    public static void EmitBranches<T>(SourceWriter w, System.Func<Isa, T> select, System.Action<T> body)
    {
        var comparer = System.Collections.Generic.EqualityComparer<T>.Default;
        for (int k = 0; k < All.Length;)
        {
            T chosen = select(All[k]);
            int end = k + 1;
            while (end < All.Length && comparer.Equals(select(All[end]), chosen)) end++;
            var group = All.Skip(k).Take(end - k).ToList();
            string names = string.Join(" and ", group.Select(i => i.Name));
            bool every = k == 0 && end == All.Length;
            if (every)
            {
                w.Open();
                w.Line($"// Every path ({names}): the same code.");
            }
            else if (group[group.Count - 1].Condition is null)
                w.Open("else");
            else
            {
                string condition = group.Count == 1
                    ? group[0].Condition!
                    : string.Join(" || ", group.Select(i => i.Condition!.Contains("&&") ? $"({i.Condition})" : i.Condition));
                w.Open(k == 0 ? $"if ({condition})" : $"else if ({condition})");
            }
            if (!every)
                w.Line(group.Count == 1 ? $"// {group[0].Name} path." : $"// {names} paths: the same code.");
            body(chosen);
            w.Close();
            k = end;
        }
    }
}
