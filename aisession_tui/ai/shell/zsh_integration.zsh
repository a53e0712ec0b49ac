# aisession-tui shell integration for zsh: precmd/preexec hooks that print OSC 133 marks, the
# command text (133;E), the exit status (133;D) and the working directory (OSC 7).
# Sourced by the .zshrc of our private ZDOTDIR after the user's own .zshrc, so hooks that the
# user's configuration resets are installed again after it.
if [[ -o interactive && -z "${__ais_loaded:-}" ]]; then
    __ais_loaded=1
    typeset -g __ais_running=

    __ais_escape() {
        local s=$1
        s=${s//\\/\\x5c}
        s=${s//;/\\x3b}
        s=${s//$'\n'/\\x0a}
        s=${s//$'\r'/\\x0d}
        s=${s//$'\e'/\\x1b}
        s=${s//$'\a'/\\x07}
        s=${s//$'\t'/\\x09}
        print -rn -- "$s"
    }

    __ais_precmd() {
        local ret=$?
        if [[ -n "$__ais_running" ]]; then
            printf '\e]133;D;%s\a' "$ret"
            __ais_running=
        fi
        local p=${PWD//\%/%25}
        printf '\e]7;file://%s%s\a' "${HOST:-localhost}" "${p// /%20}"
        printf '\e]133;A\a'
        if [[ "$PS1" != *'133;B'* ]]; then
            PS1="$PS1%{"$'\e]133;B\a'"%}"
        fi
    }

    __ais_preexec() {
        __ais_running=1
        printf '\e]133;E;%s\a\e]133;C\a' "$(__ais_escape "$1")"
    }

    typeset -ga precmd_functions preexec_functions
    precmd_functions=(__ais_precmd ${precmd_functions:#__ais_precmd})
    preexec_functions=(${preexec_functions:#__ais_preexec} __ais_preexec)

    # Agents typed at the prompt report to the app too: `claude` and `codex` get the hook flags
    # the app put in AISESSION_CLAUDE_ARGS / AISESSION_CODEX_ARGS (one argument a line). A
    # function or alias of the user's own with that name wins.
    if [[ -n "${AISESSION_CLAUDE_ARGS:-}" && -z "${functions[claude]-}" && -z "${aliases[claude]-}" ]]; then
        function claude { command claude "${(@f)AISESSION_CLAUDE_ARGS}" "$@"; }
    fi
    if [[ -n "${AISESSION_CODEX_ARGS:-}" && -z "${functions[codex]-}" && -z "${aliases[codex]-}" ]]; then
        function codex { command codex "${(@f)AISESSION_CODEX_ARGS}" "$@"; }
    fi
fi
