# aisession-tui shell integration for bash: OSC 133 prompt/command marks, the command text
# (OSC 133;E), exit status (OSC 133;D) and the working directory (OSC 7).
# Loaded with `bash --rcfile <this file> -i`; sources the user's own startup files first and
# never edits them.

# bash itself has already read /etc/bash.bashrc (SYS_BASHRC); --rcfile only replaces ~/.bashrc.
[[ -r ~/.bashrc ]] && . ~/.bashrc

if [[ -z "${__ais_loaded:-}" && $- == *i* ]]; then
__ais_loaded=1
__ais_at_prompt=
__ais_running=

# Escape text for an OSC payload: backslash, semicolon and control characters become \xHH.
__ais_escape() {
    local s=$1
    s=${s//\\/\\x5c}
    s=${s//;/\\x3b}
    s=${s//$'\n'/\\x0a}
    s=${s//$'\r'/\\x0d}
    s=${s//$'\e'/\\x1b}
    s=${s//$'\a'/\\x07}
    s=${s//$'\t'/\\x09}
    printf '%s' "$s"
}

__ais_osc7() {
    local p=${PWD//%/%25}
    printf '\e]7;file://%s%s\a' "${HOSTNAME:-localhost}" "${p// /%20}"
}

__ais_hist_number() {
    local h
    h=$(HISTTIMEFORMAT= builtin history 1)
    [[ $h =~ ^[[:space:]]*([0-9]+) ]] && printf '%s' "${BASH_REMATCH[1]}"
}

# First in PROMPT_COMMAND: report how the command ended, then where we are.
__ais_precmd() {
    local ret=$?
    if [[ -n "$__ais_running" ]]; then
        printf '\e]133;D;%s\a' "$ret"
        __ais_running=
    fi
    __ais_osc7
}

# Last in PROMPT_COMMAND: make sure the prompt carries the A and B marks, then arm preexec.
__ais_prompt_ready() {
    if [[ "$PS1" != *'133;A'* ]]; then
        PS1='\[\e]133;A\a\]'"$PS1"'\[\e]133;B\a\]'
    fi
    __ais_at_prompt=1
}

# DEBUG trap: the first simple command after the prompt is the user's command line.
__ais_preexec() {
    [[ -n "$__ais_at_prompt" ]] || return 0
    [[ -z "${COMP_LINE:-}" ]] || return 0
    __ais_at_prompt=
    if [[ "$BASH_COMMAND" == __ais_precmd* ]]; then
        return 0  # an empty line: no command ran
    fi
    local h text=$BASH_COMMAND
    h=$(HISTTIMEFORMAT= builtin history 1)
    if [[ $h =~ ^[[:space:]]*([0-9]+)[*]?[[:space:]]+(.*)$ ]] \
        && [[ "${BASH_REMATCH[1]}" != "$__ais_last_hist" ]]; then
        __ais_last_hist=${BASH_REMATCH[1]}
        text=${BASH_REMATCH[2]}
    fi
    __ais_running=1
    printf '\e]133;E;%s\a\e]133;C\a' "$(__ais_escape "$text")"
}

__ais_last_hist=$(__ais_hist_number)
if [[ "$(declare -p PROMPT_COMMAND 2>/dev/null)" == "declare -a"* ]]; then
    PROMPT_COMMAND=(__ais_precmd "${PROMPT_COMMAND[@]}" __ais_prompt_ready)  # bash >= 5.1
else
    __ais_pc=${PROMPT_COMMAND:-}
    __ais_re='^(.*[^[:space:];])?[[:space:];]+$'
    while [[ "$__ais_pc" =~ $__ais_re ]]; do
        __ais_pc=${BASH_REMATCH[1]}  # drop trailing ";" and spaces: ";;" is a syntax error
    done
    PROMPT_COMMAND="__ais_precmd${__ais_pc:+; $__ais_pc}; __ais_prompt_ready"
    unset __ais_pc __ais_re
fi
# Keep a DEBUG trap the user's rc installed: ours runs first, then theirs.
__ais_prev_trap=$(trap -p DEBUG)
if [[ -n "$__ais_prev_trap" ]]; then
    __ais_prev_trap=${__ais_prev_trap#"trap -- '"}
    __ais_prev_trap=${__ais_prev_trap%"' DEBUG"}
    __ais_prev_trap=${__ais_prev_trap//"'\\''"/"'"}
fi
trap '__ais_preexec; [[ -z "$__ais_prev_trap" ]] || eval "$__ais_prev_trap"' DEBUG

# Agents typed at the prompt report to the app too: `claude` and `codex` get the hook flags the
# app put in AISESSION_CLAUDE_ARGS / AISESSION_CODEX_ARGS (one argument a line). A function or
# alias of the user's own with that name wins.
if [[ -n "${AISESSION_CLAUDE_ARGS:-}" ]] && ! declare -F claude >/dev/null && ! alias claude >/dev/null 2>&1; then
    function claude { local -a __ais_a; mapfile -t __ais_a <<<"$AISESSION_CLAUDE_ARGS"; command claude "${__ais_a[@]}" "$@"; }
fi
if [[ -n "${AISESSION_CODEX_ARGS:-}" ]] && ! declare -F codex >/dev/null && ! alias codex >/dev/null 2>&1; then
    function codex { local -a __ais_a; mapfile -t __ais_a <<<"$AISESSION_CODEX_ARGS"; command codex "${__ais_a[@]}" "$@"; }
fi
fi
