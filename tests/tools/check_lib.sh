# What the agoractl test scripts share (sourced): counted checks and readers
# of agoractl's one-line JSON results.
failures=0
passes=0
check() { # check <name> <command...>: the command must succeed
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passes=$((passes + 1)); else echo "FAIL $name"; failures=$((failures + 1)); fi
}
has() { grep -q -- "$1" <<<"$2"; }
has_text() { grep -qF -- "$1" <<<"$2"; }  # has, with the text taken literally (brackets, dots)
hasnt() { ! grep -q -- "$1" <<<"$2"; }
field() { # field <name> <json>: the first string or number member <name> of a one-line JSON object
  sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" <<<"$2" | head -1
}
