#!/usr/bin/env bash
# End-to-end check of the NetCompiler package as a user meets it: pack the solution, create a brand-new console
# project outside the repository, add the package from the local folder, declare and train a small network, predict,
# and check the answers. Also checks the package layout, and that a Debug build reports NC0040 without failing
# under TreatWarningsAsErrors. Run from the repository root; exits non-zero on any failure.
set -euo pipefail
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

repo=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed="$work/feed"

echo "--- pack"
dotnet pack "$repo/NetCompiler.sln" -c Release -o "$feed" -v q -nologo
nupkg=$(find "$feed" -name 'NetCompiler.[0-9]*.nupkg' ! -name '*.snupkg')
[ "$(echo "$nupkg" | wc -l)" -eq 1 ] || { echo "expected one NetCompiler runtime package in $feed, found: $(ls "$feed")"; exit 1; }
version=$(basename "$nupkg" .nupkg); version=${version#NetCompiler.}
echo "$(basename "$nupkg") ($(du -k "$nupkg" | cut -f1) KiB)"

echo "--- layout"
entries=$(python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$nupkg")
for expected in lib/net10.0/NetCompiler.Runtime.dll lib/net10.0/NetCompiler.Runtime.xml \
                analyzers/dotnet/cs/NetCompiler.Generator.dll README.md LICENSE build/NetCompiler.targets; do
  grep -qx "$expected" <<<"$entries" || { echo "missing from the package: $expected"; echo "$entries"; exit 1; }
done
# Nothing of Roslyn travels with the package: the compiler hosting the generator provides it.
if grep -qi 'Microsoft.CodeAnalysis' <<<"$entries"; then echo "the package carries Roslyn:"; echo "$entries"; exit 1; fi
nuspec=$(python3 -c 'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read("NetCompiler.nuspec").decode())' "$nupkg")
grep -q '<dependency ' <<<"$nuspec" && { echo "the package has dependencies:"; echo "$nuspec"; exit 1; }
grep -q '<license type="expression">MIT</license>' <<<"$nuspec" || { echo "no MIT licence in the nuspec"; exit 1; }

echo "--- new console project outside the repository"
app="$work/XorApp"
# A private package folder: the package just packed is used, never a cached one of the same version.
export NUGET_PACKAGES="$work/packages"
dotnet new console -o "$app" -n XorApp --framework net10.0 >/dev/null
# The local folder is added to the sources the machine already has (no <clear/>), so the registry stays reachable.
cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="netcompiler-local" value="$feed" />
  </packageSources>
</configuration>
XML
(cd "$app" && dotnet add package NetCompiler --version "$version" >/dev/null)

cat > "$app/Program.cs" <<'CS'
using System;
using NetCompiler;

// XOR, the smallest problem a straight line cannot separate.
float[] inputs = [0, 0, 0, 1, 1, 0, 1, 1];
float[] targets = [0, 1, 1, 0];
var data = new Dataset(inputs, featureSize: 2, targets, targetSize: 1);

var net = new Xor(seed: 1);
var trainer = new Trainer<Xor>(net, new Sgd(Xor.ParameterCount, learningRate: 0.5f, momentum: 0.9f),
    new TrainerOptions { Epochs = 400, BatchSize = 4 });
TrainingResult result = trainer.Fit(data);
Console.WriteLine($"trained {result.Epochs.Count} epochs, final loss {result.Last.TrainingLoss:F5}");

// Predict one sample at a time, and all four at once: both must give the XOR table.
var batch = new float[4];
net.PredictBatch(inputs, batch);
int wrong = 0;
for (int s = 0; s < 4; s++)
{
    var y = new float[1];
    net.Predict(inputs.AsSpan(2 * s, 2), y);
    bool ok = Math.Abs(y[0] - targets[s]) < 0.2f && y[0] == batch[s];
    Console.WriteLine($"xor({inputs[2 * s]}, {inputs[2 * s + 1]}) = {y[0]:F3} (batch {batch[s]:F3}) {(ok ? "ok" : "WRONG")}");
    if (!ok) wrong++;
}
return wrong == 0 ? 0 : 1;

[Network(Loss = Loss.HalfSquaredError)]
[Input(2)]
[Dense(4, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class Xor { }
CS

echo "--- build (Release) and run"
dotnet build "$app" -c Release -nologo -v q -warnaserror
if ls "$app/bin/Release/net10.0/" | grep -qi 'Microsoft.CodeAnalysis'; then
  echo "the app's output carries Roslyn"; ls "$app/bin/Release/net10.0/"; exit 1
fi
dotnet "$app/bin/Release/net10.0/XorApp.dll"

echo "--- Debug build: NC0040 is reported and does not fail the build, even with TreatWarningsAsErrors"
log="$work/debug-build.log"
if ! dotnet build "$app" -c Debug -nologo -p:TreatWarningsAsErrors=true >"$log" 2>&1; then
  cat "$log"; echo "the Debug build failed"; exit 1
fi
grep -q 'warning NC0040' "$log" || { cat "$log"; echo "the Debug build did not report NC0040"; exit 1; }
grep -m1 'warning NC0040' "$log"
echo "package check passed"
