#!/usr/bin/env bash
# Regenerates Generated/Onnx.cs from Generated/onnx.proto (ONNX's onnx.proto as Debian's python3-onnx ships it,
# /usr/lib/python3/dist-packages/onnx/onnx.proto, ONNX 1.12) with protoc from Google.Protobuf.Tools 3.36.2.
# The classes are internal: the library's public API speaks NetCompiler, not protobuf.
# Run from this directory after `dotnet restore` (which puts protoc in the NuGet cache).
set -euo pipefail
cd "$(dirname "$0")"
tools="${NUGET_PACKAGES:-$HOME/.nuget/packages}/google.protobuf.tools/3.36.2/tools"
case "$(uname -m)" in
  x86_64) protoc="$tools/linux_x64/protoc" ;;
  aarch64) protoc="$tools/linux_aarch64/protoc" ;;
  *) echo "no protoc for $(uname -m) in $tools" >&2; exit 1 ;;
esac
chmod +x "$protoc"
"$protoc" --proto_path=Generated --csharp_out=Generated --csharp_opt=internal_access,file_extension=.cs Generated/onnx.proto
