#!/usr/bin/env bash
# Screenshot of a sample's live progress display from a real terminal: runs the sample in a detached 120x30 tmux
# session, captures the pane with its colours after DELAY seconds, and renders the capture to a PNG with
# docs/ansi-to-png.py.
#
# usage: docs/make-screenshot.sh OUTPUT.png DELAY SAMPLE.dll [sample arguments...]
# e.g.   docs/make-screenshot.sh docs/pictures/progress.png 20 Samples/LeNet5/bin/Release/net10.0/NetCompiler.Samples.LeNet5.dll
set -euo pipefail
[ $# -ge 3 ] || { sed -n '2,8p' "$0"; exit 2; }
output=$1 delay=$2 dll=$(realpath "$3")
shift 3
command -v tmux >/dev/null || { apt-get update && apt-get install -y tmux; }
/usr/bin/python3 -c 'import PIL' 2>/dev/null && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] \
  || { apt-get update && apt-get install -y python3-pil fonts-dejavu-core; }

session="netcompiler-screenshot-$$"
capture=$(mktemp --suffix=.ans)
trap 'tmux kill-session -t "$session" 2>/dev/null || true; rm -f "$capture"' EXIT
args=$(printf '%q ' "$@")
tmux new-session -d -s "$session" -x 120 -y 30 "cd $(printf '%q' "$(dirname "$dll")") && TERM=xterm-256color dotnet $(printf '%q' "$dll") $args; sleep 3600"
sleep "$delay"
tmux capture-pane -t "$session" -e -p > "$capture"
/usr/bin/python3 "$(dirname "$0")/ansi-to-png.py" "$capture" "$output"
echo "wrote $output"
