#!/usr/bin/env bash
# NativeAOT against the JIT, side by side in one run, on Samples/AotPredict (the Fashion-MNIST MLP, parameters
# compiled in): PredictBatch of 10,000 images (median of N calls, each build's own kernels), the time from process
# start to the first prediction (median of R runs), the binary's size, and ONNX Runtime's native library for scale.
# Usage: Benchmarks/aot-vs-jit.sh [calls (default 50)] [start-up runs (default 20)]
set -euo pipefail
calls=${1:-50}
runs=${2:-20}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

dotnet publish Samples/AotPredict -c Release -r linux-x64 -o "$out/aot" >/dev/null
dotnet build Samples/AotPredict -c Release -o "$out/jit" >/dev/null
aot=("$out/aot/NetCompiler.Samples.AotPredict")
jit=(dotnet "$out/jit/NetCompiler.Samples.AotPredict.dll")

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(dotnet --version)"
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# PredictBatch: alternate the builds, three rounds each, and report each build's median over all its calls.
for round in 1 2 3; do
  "${aot[@]}" --bench "$calls" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' >>"$out/aot.ms"
  "${jit[@]}" --bench "$calls" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' >>"$out/jit.ms"
  DOTNET_EnableAVX512=0 "${jit[@]}" --bench "$calls" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p' >>"$out/jit-avx2.ms"
done
echo "AOT kernels: $("${aot[@]}" | sed -n 's/^kernels: //p'); JIT kernels: $("${jit[@]}" | sed -n 's/^kernels: //p')"
printf 'PredictBatch, 10,000 images, median of 3 rounds of %s calls: AOT %s ms, JIT %s ms, JIT with DOTNET_EnableAVX512=0 %s ms\n' \
  "$calls" "$(median <"$out/aot.ms")" "$(median <"$out/jit.ms")" "$(median <"$out/jit-avx2.ms")"

# Start-up: wall time of a process that creates the network, reads the images and predicts one.
for i in $(seq "$runs"); do
  for build in aot jit; do
    start=$(date +%s%N)
    if [ "$build" = aot ]; then "${aot[@]}" --first >/dev/null; else "${jit[@]}" --first >/dev/null; fi
    echo $((($(date +%s%N) - start) / 1000000)) >>"$out/$build.start"
  done
done
printf 'start to first prediction, median of %s runs: AOT %s ms, JIT %s ms\n' "$runs" "$(median <"$out/aot.start")" "$(median <"$out/jit.start")"

printf 'AOT binary: %s bytes (%s)\n' "$(stat -c %s "${aot[0]}")" "$(du -h "${aot[0]}" | cut -f1)"
onnx=$(find ~/.nuget/packages/microsoft.ml.onnxruntime -path '*linux-x64/native/libonnxruntime.so' 2>/dev/null | sort | tail -1)
if [ -n "$onnx" ]; then
  printf 'ONNX Runtime native library (%s): %s bytes (%s)\n' "${onnx#"$HOME"/.nuget/packages/}" "$(stat -c %s "$onnx")" "$(du -h "$onnx" | cut -f1)"
else
  echo "ONNX Runtime native library: not restored (dotnet build Benchmarks restores it)"
fi
