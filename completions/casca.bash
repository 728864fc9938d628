# bash completion for casca(8): commands, global options, and each
# command's options as its own `casca COMMAND --help` lists them.
# shellcheck shell=bash

_casca() {
  local cur prev words cword
  _init_completion 2> /dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="create start run exec state kill stop delete list pause resume ps update events checkpoint restore spec features"
  local globals="--root --log --log-format --debug --cgroup-manager --systemd-cgroup --version --help"
  local i cmd=
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --root | --log | --log-format | --cgroup-manager) ((i++)) ;;
      -*) ;;
      *)
        cmd=${words[i]}
        break
        ;;
    esac
  done
  case $prev in
    --root | -b | --bundle | --image-path | --work-path)
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      return
      ;;
    --log | --pid-file | --console-socket | --process)
      mapfile -t COMPREPLY < <(compgen -f -- "$cur")
      return
      ;;
    --log-format)
      mapfile -t COMPREPLY < <(compgen -W "text json" -- "$cur")
      return
      ;;
    --cgroup-manager)
      mapfile -t COMPREPLY < <(compgen -W "cgroupfs systemd disabled" -- "$cur")
      return
      ;;
  esac
  if [ -z "$cmd" ]; then
    if [[ $cur == -* ]]; then
      mapfile -t COMPREPLY < <(compgen -W "$globals" -- "$cur")
    else
      mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
    fi
    return
  fi
  if [[ $cur == -* ]]; then
    local opts
    opts=$("${words[0]}" "$cmd" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
    return
  fi
  case $cmd in
    start | state | kill | stop | delete | pause | resume | ps | update | events | exec | checkpoint)
      local ids
      ids=$("${words[0]}" list --quiet 2> /dev/null)
      mapfile -t COMPREPLY < <(compgen -W "$ids" -- "$cur")
      ;;
  esac
}
complete -F _casca casca
