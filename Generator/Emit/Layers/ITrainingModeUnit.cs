using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>
/// The unit of a layer whose training differs from inference (its plan's <see cref="LayerPlan.TrainsWholeBatch"/>): its
/// part in the whole-batch training step (<see cref="TrainingModeEmitter"/>) and in the network's state
/// (<see cref="LayerSpec.StateCount"/>). The step asks these units, in layer order, for each of its parts; a layer of any
/// other unit takes part in it through <see cref="ILayerUnit.BatchForward"/> and <see cref="ILayerUnit.BatchBackward"/>.
/// </summary>
internal interface ITrainingModeUnit : ILayerUnit
{
    /// <summary>The comment lines of the class that say where the layer's state lies in <c>_state</c>.</summary>
    string[] StateLayout(LayerSpec layer);

    /// <summary>The statements of <c>InitializeParameters</c> that reset the layer's state.</summary>
    string[] StateReset(LayerSpec layer);

    /// <summary>
    /// Statements at the start of the step that check its arguments for this unit's layers (<paramref name="layers"/>,
    /// in order), once per network.
    /// </summary>
    string[] StepChecks(IReadOnlyList<LayerPlan> layers);

    /// <summary>Floats of the step's fixed workspace the layer keeps for the step (its batch statistics); 0 for none.</summary>
    int StepWorkspace(LayerPlan plan);

    /// <summary>
    /// The declaration of the layer's part of the fixed workspace, which starts at <c>at + <paramref name="offset"/></c>;
    /// only for a layer with a <see cref="StepWorkspace"/>.
    /// </summary>
    string StepWorkspaceView(LayerPlan plan, int offset);

    /// <summary>The layer's other locals of the step (the key of its masks), declared after every workspace view.</summary>
    string[] StepLocals(LayerPlan plan);

    /// <summary>The statement of the step that runs the layer forward over the batch (<c>count</c> samples).</summary>
    string TrainForward(LayerPlan plan, string input, string output);

    /// <summary>
    /// The statement that writes the state the step leads to for the layer into <c>updated</c> (from the running state
    /// <c>running</c>), or null for a layer without state.
    /// </summary>
    string? StateUpdate(LayerPlan plan);

    /// <summary>
    /// Helpers of the kernel class that this unit's layers (<paramref name="layers"/>, in order) share, once per network,
    /// each after a blank line (they follow the shared helpers).
    /// </summary>
    void EmitHelpers(SourceWriter w, IReadOnlyList<LayerPlan> layers);
}

/// <summary>The typed base of a <see cref="ITrainingModeUnit"/>: the casts to the unit's own records, and its defaults.</summary>
internal abstract class TrainingModeUnit<TSpec, TPlan> : LayerUnit<TSpec, TPlan>, ITrainingModeUnit
    where TSpec : LayerSpec
    where TPlan : LayerPlan
{
    string[] ITrainingModeUnit.StateLayout(LayerSpec layer) => StateLayout((TSpec)layer);

    string[] ITrainingModeUnit.StateReset(LayerSpec layer) => StateReset((TSpec)layer);

    string[] ITrainingModeUnit.StepChecks(IReadOnlyList<LayerPlan> layers) => StepChecks(layers.Cast<TPlan>().ToList());

    int ITrainingModeUnit.StepWorkspace(LayerPlan plan) => StepWorkspace((TPlan)plan);

    string ITrainingModeUnit.StepWorkspaceView(LayerPlan plan, int offset) => StepWorkspaceView((TPlan)plan, offset);

    string[] ITrainingModeUnit.StepLocals(LayerPlan plan) => StepLocals((TPlan)plan);

    string ITrainingModeUnit.TrainForward(LayerPlan plan, string input, string output) => TrainForward((TPlan)plan, input, output);

    string? ITrainingModeUnit.StateUpdate(LayerPlan plan) => StateUpdate((TPlan)plan);

    void ITrainingModeUnit.EmitHelpers(SourceWriter w, IReadOnlyList<LayerPlan> layers) => EmitHelpers(w, layers.Cast<TPlan>().ToList());

    /// <inheritdoc cref="ITrainingModeUnit.StateLayout"/>
    public virtual string[] StateLayout(TSpec layer) => Array.Empty<string>();

    /// <inheritdoc cref="ITrainingModeUnit.StateReset"/>
    public virtual string[] StateReset(TSpec layer) => Array.Empty<string>();

    /// <inheritdoc cref="ITrainingModeUnit.StepChecks"/>
    public virtual string[] StepChecks(IReadOnlyList<TPlan> layers) => Array.Empty<string>();

    /// <inheritdoc cref="ITrainingModeUnit.StepWorkspace"/>
    public virtual int StepWorkspace(TPlan plan) => 0;

    /// <inheritdoc cref="ITrainingModeUnit.StepWorkspaceView"/>
    public virtual string StepWorkspaceView(TPlan plan, int offset)
        => throw new InvalidOperationException($"{GetType().Name} keeps no part of the training step's workspace.");

    /// <inheritdoc cref="ITrainingModeUnit.StepLocals"/>
    public virtual string[] StepLocals(TPlan plan) => Array.Empty<string>();

    /// <inheritdoc cref="ITrainingModeUnit.TrainForward"/>
    public abstract string TrainForward(TPlan plan, string input, string output);

    /// <inheritdoc cref="ITrainingModeUnit.StateUpdate"/>
    public virtual string? StateUpdate(TPlan plan) => null;

    /// <inheritdoc cref="ITrainingModeUnit.EmitHelpers"/>
    public virtual void EmitHelpers(SourceWriter w, IReadOnlyList<TPlan> layers) { }
}
