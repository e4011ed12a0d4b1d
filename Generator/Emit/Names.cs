namespace NetCompiler.Generator.Emit;

/// <summary>
/// Names used in generated code. The kernels live in <see cref="KernelNamespace"/>, under using directives the generated
/// file declares inside that namespace (<see cref="KernelUsings"/>), so they spell the BCL's types by their short names:
/// lookup reaches those directives before any namespace a user's type could be in. The network class itself is in the
/// user's namespace, where a user's type could capture a short name: it spells every type in full (<see cref="Qualified"/>).
/// </summary>
internal static class Names
{
    // ---- in the kernel class
    public const string Unsafe = "Unsafe";
    public const string MemoryMarshal = "MemoryMarshal";
    public const string ReadOnlySpan = "ReadOnlySpan<float>";
    public const string Span = "Span<float>";
    public const string MathF = "MathF";
    public const string Math = "Math";
    public const string Avx = "Avx";
    public const string Inline = "[MethodImpl(MethodImplOptions.AggressiveInlining)]";

    /// <summary>
    /// On the kernels and the public entry points that run them: compiled fully optimised on the first call instead of
    /// starting at tier 0, so the first calls run at steady-state speed (see docs/design/packaging.md). Such a method
    /// skips dynamic PGO and does not see static readonly fields as constants; the generated kernels use neither.
    /// </summary>
    public const string Hot = "[MethodImpl(MethodImplOptions.AggressiveOptimization)]";

    /// <summary>The generator-owned namespace of the kernel classes.</summary>
    public const string KernelNamespace = "NetCompiler.Generated";

    /// <summary>The file-local class holding one network's layer kernels (one per generated file, so the name never clashes).</summary>
    public const string KernelClass = "GeneratedKernels";

    /// <summary>The kernel class as the network class names it.</summary>
    public const string Kernels = "global::" + KernelNamespace + "." + KernelClass;

    /// <summary>The using directives of the kernel namespace: every name the kernels spell short.</summary>
    public static readonly string[] KernelUsings =
    {
        "using global::System;",
        "using global::System.Runtime.CompilerServices;",
        "using global::System.Runtime.InteropServices;",
        "using global::System.Runtime.Intrinsics;",
        "using global::System.Runtime.Intrinsics.X86;",
        "using global::NetCompiler.Support;",
        "using static global::NetCompiler.Support.NetworkSupport;",
    };

    /// <summary>Fully qualified names, for code in the network class (the user's namespace), where no user type can capture them.</summary>
    public static class Qualified
    {
        public const string Unsafe = "global::System.Runtime.CompilerServices.Unsafe";
        public const string MemoryMarshal = "global::System.Runtime.InteropServices.MemoryMarshal";
        public const string ReadOnlySpan = "global::System.ReadOnlySpan<float>";
        public const string Span = "global::System.Span<float>";
        public const string ArgumentException = "global::System.ArgumentException";
        public const string ArgumentOutOfRangeException = "global::System.ArgumentOutOfRangeException";
        public const string Initializer = "global::NetCompiler.ParameterInitializer";
        public const string Loss = "global::NetCompiler.Loss";
        public const string IClassifier = "global::NetCompiler.IClassifier";
        public const string IPartitionedTraining = "global::NetCompiler.IPartitionedTraining";
        public const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

        /// <summary>The runtime's shape-independent helpers (argument checks, rows, alignment).</summary>
        public const string Support = "global::NetCompiler.Support.NetworkSupport";

        /// <summary>A condition written with the kernels' short names (<see cref="Isa.Condition"/>), spelled in full.</summary>
        public static string Condition(string condition) => System.Text.RegularExpressions.Regex.Replace(
            condition, @"(?<![\w.:])(Vector128|Vector256|Vector512|Fma|Avx512F|Avx2|Avx)\.",
            m => (m.Groups[1].Value.StartsWith("Vector") ? "global::System.Runtime.Intrinsics." : "global::System.Runtime.Intrinsics.X86.") + m.Value);
    }
}
