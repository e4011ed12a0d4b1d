#!/usr/bin/env bash
# What NativeAOT makes of the instruction-set checks the generated kernels could test, for each IlcInstructionSet:
# compile-time true, compile-time false, or a run-time check of the CPU (an "optimistic" instruction set). A tiny
# program with one method per check is published once per instruction set; each method's machine code (objdump, with
# the symbols of the .dbg file) is either a constant or a read of the runtime's CPU-feature word. Also printed: the
# value on this machine, the binary's required CPU features (checked when it starts) and whether it contains any
# zmm instruction. See docs/design/native-aot.md.
# Usage: Benchmarks/aot-isa-probe.sh [instruction set ...]   (default: x86-64-v2 avx x86-64-v3 x86-64-v3,avx512 x86-64-v4)
set -euo pipefail
sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(x86-64-v2 avx x86-64-v3 x86-64-v3,avx512 x86-64-v4)
command -v objdump >/dev/null || { apt-get update && apt-get install -y binutils; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
checks=(Vector512.IsHardwareAccelerated Avx512F.IsSupported Avx512BW.IsSupported Avx512Vbmi.IsSupported
  Vector256.IsHardwareAccelerated Avx2.IsSupported Fma.IsSupported AvxVnni.IsSupported)

cat >"$dir/Probe.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <PublishAot>true</PublishAot>
    <InvariantGlobalization>true</InvariantGlobalization>
  </PropertyGroup>
</Project>
EOF
{
  echo 'using System.Runtime.CompilerServices; using System.Runtime.Intrinsics; using System.Runtime.Intrinsics.X86;'
  echo 'static class Probe {'
  echo '  static void Main() {'
  for c in "${checks[@]}"; do echo "    System.Console.WriteLine(\"$c \" + ${c%%.*}_());"; done
  echo '  }'
  for c in "${checks[@]}"; do echo "  [MethodImpl(MethodImplOptions.NoInlining)] static bool ${c%%.*}_() => $c;"; done
  echo '}'
} >"$dir/Program.cs"

# The 32-bit value at a symbol of the binary, read from the file through its program headers.
word() {
  local addr offset va size
  addr=$((16#$(nm "$1.dbg" | awk -v s="$2" '$3 == s { print $1; exit }')))
  while read -r offset va size; do
    if ((addr >= va && addr < va + size)); then
      od -An -tx4 -j $((offset + addr - va)) -N4 "$1" | tr -d ' '
      return
    fi
  done < <(readelf -lW "$1" | awk '$1 == "LOAD" { print $2, $3, $5 }' | while read -r o v z; do echo $((o)) $((v)) $((z)); done)
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'); $(dotnet --version)"
for set in "${sets[@]}"; do
  out="$dir/out-${set//,/_}"
  dotnet publish "$dir/Probe.csproj" -c Release -r linux-x64 -o "$out" "-p:IlcInstructionSet=${set//,/%2C}" >"$dir/publish.log" 2>&1 ||
    { cat "$dir/publish.log" >&2; exit 1; }
  bin="$out/Probe"
  features=$(nm "$bin.dbg" | awk '$3 == "g_cpuFeatures" { sub(/^0+/, "", $1); print $1 }')
  echo "== IlcInstructionSet=$set: required CPU features 0x$(word "$bin" __readonlydata_g_requiredCpuFeatures | sed 's/^0*//;s/^$/0/'), $(objdump -d "$bin" | grep -c zmm) zmm instructions"
  "$bin" | while read -r check value; do
    name=${check%%.*}
    # The method's code: from its symbol to the next one.
    read -r start stop < <(nm -n "$bin.dbg" | awk -v s="Probe_Probe__${name}_" 'found { print start, $1; exit } $3 == s { start = $1; found = 1 }')
    code=$(objdump -d --no-show-raw-insn "$bin" --start-address=0x"$start" --stop-address=0x"$stop")
    [ -z "${PROBE_SHOW_CODE:-}" ] || echo "$code" | tail -n +7 >&2
    if grep -q "# $features " <<<"$code"; then kind="run-time check"; else kind="compile-time"; fi
    printf '  %-32s %-5s %s\n' "$check" "$value" "$kind"
  done
done
