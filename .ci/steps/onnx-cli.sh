#!/usr/bin/env bash
# The netcompiler tool from the solution's Release build: imports a PyTorch-exported LeNet-5, inspects the result,
# exports it back to ONNX and inspects that, and refuses an unsupported model with its message and nothing written.
set -euo pipefail
cli=(dotnet Tools/NetCompiler.Cli/bin/Release/net10.0/netcompiler.dll)
fixtures=Tests/Fixtures/onnx
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "onnx-cli: $*" >&2; exit 1; }

"${cli[@]}" --help | grep -q 'import <MODEL.onnx>' || fail "--help does not list import"

echo "--- import"
"${cli[@]}" import "$fixtures/lenet5.onnx" --name LeNet5Imported --namespace Ci.Onnx --output "$work/model" | tee "$work/import.txt"
test -s "$work/model/LeNet5Imported.cs" && test -s "$work/model/LeNet5Imported.ncmf" || fail "import did not write both files"
grep -qF '[Conv2D(6, 5, Activation.ReLU, Padding = 2)]' "$work/model/LeNet5Imported.cs" || fail "unexpected declaration"
grep -qF 'public partial class LeNet5Imported { }' "$work/model/LeNet5Imported.cs" || fail "no class declaration"

echo "--- inspect .ncmf"
"${cli[@]}" inspect "$work/model/LeNet5Imported.ncmf" | tee "$work/inspect-ncmf.txt"
grep -qF '61,706 total' "$work/inspect-ncmf.txt" || fail "inspect does not count 61,706 parameters"

echo "--- export"
"${cli[@]}" export "$work/model/LeNet5Imported.ncmf" --output "$work/lenet5.onnx"
test -s "$work/lenet5.onnx" || fail "export wrote nothing"

echo "--- inspect .onnx"
"${cli[@]}" inspect "$work/lenet5.onnx" | tee "$work/inspect-onnx.txt"
arch='Input(1,28,28) Conv2D(6,5x5,Padding=2,ReLU) MaxPool2D(2) Conv2D(16,5x5,ReLU) MaxPool2D(2) Dense(120,ReLU) Dense(84,ReLU) Dense(10) SoftmaxCrossEntropy'
grep -qF "Architecture: $arch" "$work/inspect-onnx.txt" || fail "the exported model does not import as the same architecture"

echo "--- refusal"
set +e
"${cli[@]}" import "$fixtures/unsupported_grouped_conv.onnx" --name Grouped --output "$work/refused" 2> "$work/refused.txt"
rc=$?
set -e
cat "$work/refused.txt"
[ "$rc" -ne 0 ] || fail "an unsupported model was imported"
grep -qF "node '/c1/Conv' (Conv): group=2 is not supported (grouped convolutions)" "$work/refused.txt" || fail "unexpected refusal message"
[ ! -e "$work/refused/Grouped.cs" ] && [ ! -e "$work/refused/Grouped.ncmf" ] || fail "a refused import wrote files"
echo "onnx-cli: ok"
