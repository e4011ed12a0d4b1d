namespace NetCompiler.Generator.Emit;

/// <summary>Fully qualified names used in generated code, so that no user type can capture them.</summary>
internal static class Names
{
    public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
    public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
    public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
    public const string Span = "global::System.Span<float>";
    public const string MathF = "global::System.MathF";
    public const string Avx = "global::System.Runtime.Intrinsics.X86.Avx";
    public const string ArgumentException = "global::System.ArgumentException";
    public const string ArgumentOutOfRangeException = "global::System.ArgumentOutOfRangeException";
    public const string Initializer = "global::NetCompiler.ParameterInitializer";
    public const string Loss = "global::NetCompiler.Loss";
    public const string INetwork = "global::NetCompiler.INetwork";
    public const string IClassifier = "global::NetCompiler.IClassifier";
    public const string IPartitionedTraining = "global::NetCompiler.IPartitionedTraining";
    public const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

    /// <summary>
    /// On the kernels and the public entry points that run them: compiled fully optimised on the first call instead of
    /// starting at tier 0, so the first calls run at steady-state speed (see docs/design/packaging.md). Such a method
    /// skips dynamic PGO and does not see static readonly fields as constants; the generated kernels use neither.
    /// </summary>
    public const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    /// <summary>The nested class holding the layer kernels.</summary>
    public const string Kernels = "GeneratedKernels";
}
