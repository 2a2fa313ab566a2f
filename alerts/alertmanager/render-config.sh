#!/bin/sh
# Renders the Alertmanager configuration from alertmanager.yml.tmpl and templates/*.tmpl, filling
# secrets from the environment or from files, because Alertmanager 0.25 reads neither itself.
# Usage: render-config.sh SOURCE_DIR OUTPUT_DIR   (POSIX sh + awk: runs in the busybox-based prom/alertmanager image)
#   DISCORD_WEBHOOK_URL / DISCORD_WEBHOOK_URL_FILE   Discord webhook (secret)
#   ALERT_WEBHOOK_URL   / ALERT_WEBHOOK_URL_FILE     generic webhook receiver (secret)
#   RUNBOOK_BASE_URL                                 prefix of the runbook links, e.g. https://github.com/ORG/REPO/blob/main/
# At least one of the two receivers must be set. Values are never printed.
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: render-config.sh SOURCE_DIR OUTPUT_DIR" >&2
  exit 2
fi
src=$1
out=$2

# VAR_FILE wins over VAR only when VAR is empty; a named file that cannot be read is an error, not a silent blank.
load_secret() {
  name=$1
  eval "value=\${$name:-}"
  eval "file=\${${name}_FILE:-}"
  if [ -z "$value" ] && [ -n "$file" ]; then
    if [ ! -r "$file" ]; then
      echo "render-config: ${name}_FILE names a file that cannot be read: $file" >&2
      exit 1
    fi
    value=$(tr -d '\r\n' < "$file")
  fi
  case "$value" in
    '') ;;
    http://*|https://*) ;;
    *) echo "render-config: $name must be an http(s) URL" >&2; exit 1 ;;
  esac
  # The value lands inside a single-quoted YAML string: refuse anything that could break out of it.
  case "$value" in
    *"'"*|*' '*|*'	'*|*'\'*) echo "render-config: $name contains a quote, a backslash or whitespace" >&2; exit 1 ;;
  esac
  export "$name=$value"
}

load_secret DISCORD_WEBHOOK_URL
load_secret ALERT_WEBHOOK_URL
RUNBOOK_BASE_URL=${RUNBOOK_BASE_URL:-}
case "$RUNBOOK_BASE_URL" in
  *"'"*|*' '*|*'\'*) echo "render-config: RUNBOOK_BASE_URL contains a quote, a backslash or whitespace" >&2; exit 1 ;;
esac
export RUNBOOK_BASE_URL

if [ -z "$DISCORD_WEBHOOK_URL" ] && [ -z "$ALERT_WEBHOOK_URL" ]; then
  echo "render-config: no receiver: set DISCORD_WEBHOOK_URL(_FILE) and/or ALERT_WEBHOOK_URL(_FILE)" >&2
  exit 1
fi

# Plain string replacement (index/substr), so "&" or "/" in a URL are never regex syntax.
render() {
  awk '
    function fill(line,   name, token, i, out) {
      out = ""
      while ((i = index(line, "${")) > 0) {
        token = substr(line, i)
        if (index(token, "}") == 0) { name = "" } else { name = substr(token, 3, index(token, "}") - 3) }
        if (name != "DISCORD_WEBHOOK_URL" && name != "ALERT_WEBHOOK_URL" && name != "RUNBOOK_BASE_URL") {
          printf "render-config: unknown placeholder in %s line %d\n", FILENAME, FNR > "/dev/stderr"
          failed = 1
          return line
        }
        out = out substr(line, 1, i - 1) ENVIRON[name]
        line = substr(line, i + length(name) + 3)
      }
      return out line
    }
    /^[ \t]*#ifset[ \t]/ { skip[++depth] = (ENVIRON[$2] == ""); next }
    /^[ \t]*#endif/ { depth--; next }
    {
      for (d = 1; d <= depth; d++) if (skip[d]) next
      print fill($0)
    }
    END { if (depth != 0) { print "render-config: unbalanced #ifset/#endif" > "/dev/stderr"; exit 1 } if (failed) exit 1 }
  ' "$1" > "$2.tmp" || { rm -f "$2.tmp"; exit 1; }
  mv "$2.tmp" "$2"
}

umask 077
mkdir -p "$out/templates"
rm -f "$out/alertmanager.yml" # a failed render must not leave an old or partial file behind
render "$src/alertmanager.yml.tmpl" "$out/alertmanager.yml"
for t in "$src"/templates/*.tmpl; do
  render "$t" "$out/templates/$(basename "$t")"
done
echo "render-config: wrote $out/alertmanager.yml" >&2
