# aisession-tui: the startup files of our private ZDOTDIR source this with the stage name
# (zshenv, zprofile, zshrc). Each stage loads the user's own file from the user's ZDOTDIR
# (following any change their .zshenv makes to it); after .zshrc the user's ZDOTDIR is put
# back for good and the integration hooks are installed. Nothing of the user's is edited.
__ais_stage=$1
if [[ $__ais_stage == zshenv ]]; then
    typeset -g __ais_zdotdir=$ZDOTDIR
    if [[ -n "${AISESSION_USER_ZDOTDIR+x}" ]]; then
        typeset -g __ais_user_zdotdir=$AISESSION_USER_ZDOTDIR
        typeset -g __ais_user_had_zdotdir=1
    else
        typeset -g __ais_user_zdotdir=$HOME
        typeset -g __ais_user_had_zdotdir=
    fi
fi
ZDOTDIR=$__ais_user_zdotdir
[[ -r "$ZDOTDIR/.$__ais_stage" ]] && source "$ZDOTDIR/.$__ais_stage"
if [[ "$ZDOTDIR" != "$__ais_user_zdotdir" ]]; then
    __ais_user_zdotdir=$ZDOTDIR  # the user's file moved it: the next stages read from there
    __ais_user_had_zdotdir=1
fi
if [[ $__ais_stage == zshrc || ! -o interactive ]]; then
    # Done with our directory: children and later files see the user's setting.
    if [[ -n $__ais_user_had_zdotdir ]]; then
        export ZDOTDIR=$__ais_user_zdotdir
    else
        unset ZDOTDIR
    fi
    unset AISESSION_USER_ZDOTDIR __ais_zdotdir __ais_user_had_zdotdir
    [[ $__ais_stage == zshrc ]] && source "${${(%):-%x}:A:h}/zsh_integration.zsh"
else
    ZDOTDIR=$__ais_zdotdir
fi
unset __ais_stage
