using System;
using System.Collections.Generic;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// ONNX Runtime (CPU provider, one intra-op and one inter-op thread, all graph optimisations) on a model built at run
/// time from NetCompiler's weights. Three ways to call it, fastest first:
/// <list type="bullet">
/// <item><see cref="RunBound"/>: an <see cref="OrtIoBinding"/> with input and output bound once to pre-allocated
/// <see cref="OrtValue"/>s over managed arrays, so a run allocates nothing;</item>
/// <item><see cref="RunPreallocated"/>: <c>Run(runOptions, names, inputs, names, outputs)</c> with the same pre-allocated values;</item>
/// <item><see cref="RunPlain"/>: the classic <c>Run(NamedOnnxValue[])</c>, which allocates its outputs.</item>
/// </list>
/// Each instance serves one batch size; inputs are written to <see cref="Input"/>, outputs read from <see cref="Output"/>.
/// </summary>
public sealed class OrtMlp : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly OrtValue _input, _output;
    private readonly OrtIoBinding _binding;
    private readonly string[] _inputNames = ["x"], _outputNames = ["y"];
    private readonly OrtValue[] _inputValues, _outputValues;
    private readonly NamedOnnxValue[] _plainInputs;

    public OrtMlp(MlpSpec spec, ReadOnlySpan<float> parameters, int batch)
        : this(OnnxModelWriter.Write(spec, parameters), spec.InputSize, spec.OutputSize, batch)
    {
    }

    /// <summary>Any model with input <c>x [N, inputSize]</c> and output <c>y [N, outputSize]</c> (LeNet-5 uses this).</summary>
    public OrtMlp(byte[] model, int inputSize, int outputSize, int batch)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // One intra-op thread means no pool; should one exist anyway, it must not spin on this shared 2-core machine.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        _session = new InferenceSession(model, options);

        Input = new float[batch * inputSize];
        Output = new float[batch * outputSize];
        _input = OrtValue.CreateTensorValueFromMemory(Input, [batch, inputSize]);
        _output = OrtValue.CreateTensorValueFromMemory(Output, [batch, outputSize]);
        _inputValues = [_input];
        _outputValues = [_output];
        _binding = _session.CreateIoBinding();
        _binding.BindInput("x", _input);
        _binding.BindOutput("y", _output);
        _plainInputs = [NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(Input, [batch, inputSize]))];
    }

    public float[] Input { get; }
    public float[] Output { get; }

    public void RunBound() => _session.RunWithBinding(_runOptions, _binding);

    public void RunPreallocated() => _session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);

    /// <summary>The classic API: returns fresh outputs, copied into <see cref="Output"/> as a caller would.</summary>
    public void RunPlain()
    {
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> results = _session.Run(_plainInputs);
        var y = (DenseTensor<float>)results[0].AsTensor<float>();
        y.Buffer.Span.CopyTo(Output);
    }

    public void Dispose()
    {
        _binding.Dispose();
        _input.Dispose();
        _output.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }

    public static string Version => OrtEnv.Instance().GetVersionString();
}
