using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>
/// Everything the generator knows of one kind of layer, in one place: its attributes and their parser, its planning
/// rule (the decisions its kernels take and the scratch they need), how it reads in the layer table, its kernels, and
/// the calls that run them. The parser (<see cref="NetworkParser"/>), the planner and the network's passes
/// (<see cref="NetworkEmitter"/>) know layers only through this interface and the layer's spec and plan. A new kind of
/// layer is a unit (a folder under <c>Generator/Emit/Layers/</c>) and one line in <see cref="LayerUnits.All"/>; a layer
/// whose training differs from inference also implements <see cref="ITrainingModeUnit"/>.
/// </summary>
internal interface ILayerUnit
{
    /// <summary>The full names of the attributes that declare this kind of layer, e.g. <c>NetCompiler.DenseAttribute</c>.</summary>
    string[] AttributeNames { get; }

    /// <summary>
    /// The layer one of its attributes declares, checked against the shape it receives; null when the attribute is
    /// invalid (each problem reported through <paramref name="context"/>, or <paramref name="malformed"/> set when the
    /// compiler itself rejects the attribute) or when the shape it receives is unknown.
    /// </summary>
    LayerSpec? Parse(LayerContext context, ref bool malformed);

    /// <summary>Whether this unit is the one for <paramref name="layer"/>.</summary>
    bool Handles(LayerSpec layer);

    /// <summary>
    /// Every decision about the layer's kernels, taken once: the strategy of each kernel, the vectors of each path,
    /// the scratch each pass needs and where its parts start. Network-wide roles (the split layer, the lane path) are
    /// the planner's; it records them in the plan the unit returns.
    /// </summary>
    LayerPlan Plan(LayerPlanContext context);

    /// <summary>The layer in the class documentation's layer table, e.g. <c>dense 784 → 128, ReLU</c>.</summary>
    string Describe(LayerSpec layer);

    /// <summary>The shape of the weight tensor, as a comment, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    string WeightShape(LayerSpec layer);

    /// <summary>The shape of the bias vector, as a comment.</summary>
    string BiasShape(LayerSpec layer);

    /// <summary>
    /// The statements of <c>InitializeParameters</c> that set the layer's parameters, or null for the default: He normal
    /// weights below a ReLU, Glorot uniform ones otherwise, a zero bias.
    /// </summary>
    string[]? Initialization(LayerSpec layer);

    /// <summary>The layer's kernels in the nested kernel class: single-sample forward, batch forward and backward.</summary>
    void EmitKernels(SourceWriter w, LayerPlan plan, NetworkPlan network);

    /// <summary>The statement of <c>Predict</c> that runs the layer forward from <paramref name="input"/> into <paramref name="output"/>.</summary>
    string ForwardCall(LayerPlan plan, string input, string output);

    /// <summary>
    /// The statements that run the layer forward over <paramref name="count"/> samples; <paramref name="rows"/>: the
    /// row-range arguments of a kernel that takes them (the split layer), else null.
    /// </summary>
    string[] BatchForward(LayerPlan plan, NetworkPlan network, string input, string output, string count, string? rows);

    /// <summary>
    /// The statements that run the layer backward over <paramref name="count"/> samples: add its parameter gradients to
    /// g (written over it when <paramref name="accumulate"/> is false) and, when <paramref name="dzBelow"/> is not null,
    /// write ∂E/∂z of the layer below. <paramref name="rows"/>: as in <see cref="BatchForward"/>.
    /// </summary>
    string[] BatchBackward(LayerPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows);
}

/// <summary>
/// The typed base of a layer unit: the casts from <see cref="LayerSpec"/> and <see cref="LayerPlan"/> to the unit's
/// own records, done once here.
/// </summary>
internal abstract class LayerUnit<TSpec, TPlan> : ILayerUnit
    where TSpec : LayerSpec
    where TPlan : LayerPlan
{
    public abstract string[] AttributeNames { get; }

    LayerSpec? ILayerUnit.Parse(LayerContext context, ref bool malformed) => Parse(context, ref malformed);

    public bool Handles(LayerSpec layer) => layer is TSpec;

    LayerPlan ILayerUnit.Plan(LayerPlanContext context) => Plan((TSpec)context.Layer, context);

    string ILayerUnit.Describe(LayerSpec layer) => Describe((TSpec)layer);

    string ILayerUnit.WeightShape(LayerSpec layer) => WeightShape((TSpec)layer);

    string ILayerUnit.BiasShape(LayerSpec layer) => BiasShape((TSpec)layer);

    string[]? ILayerUnit.Initialization(LayerSpec layer) => Initialization((TSpec)layer);

    void ILayerUnit.EmitKernels(SourceWriter w, LayerPlan plan, NetworkPlan network) => EmitKernels(w, (TPlan)plan, network);

    string ILayerUnit.ForwardCall(LayerPlan plan, string input, string output) => ForwardCall((TPlan)plan, input, output);

    string[] ILayerUnit.BatchForward(LayerPlan plan, NetworkPlan network, string input, string output, string count, string? rows)
        => BatchForward((TPlan)plan, network, input, output, count, rows);

    string[] ILayerUnit.BatchBackward(LayerPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows)
        => BatchBackward((TPlan)plan, network, input, dz, dzBelow, count, accumulate, rows);

    /// <inheritdoc cref="ILayerUnit.Parse"/>
    public abstract TSpec? Parse(LayerContext context, ref bool malformed);

    /// <inheritdoc cref="ILayerUnit.Plan"/>
    public abstract TPlan Plan(TSpec layer, LayerPlanContext context);

    /// <inheritdoc cref="ILayerUnit.Describe"/>
    public abstract string Describe(TSpec layer);

    /// <inheritdoc cref="ILayerUnit.WeightShape"/>
    public virtual string WeightShape(TSpec layer) => "[]";

    /// <inheritdoc cref="ILayerUnit.BiasShape"/>
    public virtual string BiasShape(TSpec layer) => $"[{layer.OutputSize}]";

    /// <inheritdoc cref="ILayerUnit.Initialization"/>
    public virtual string[]? Initialization(TSpec layer) => null;

    /// <inheritdoc cref="ILayerUnit.EmitKernels"/>
    public abstract void EmitKernels(SourceWriter w, TPlan plan, NetworkPlan network);

    /// <inheritdoc cref="ILayerUnit.ForwardCall"/>
    public abstract string ForwardCall(TPlan plan, string input, string output);

    /// <inheritdoc cref="ILayerUnit.BatchForward"/>
    public abstract string[] BatchForward(TPlan plan, NetworkPlan network, string input, string output, string count, string? rows);

    /// <inheritdoc cref="ILayerUnit.BatchBackward"/>
    public abstract string[] BatchBackward(TPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows);

    /// <summary>A C# boolean literal, for the layout arguments of batch kernels.</summary>
    protected static string Bool(bool value) => value ? "true" : "false";
}
