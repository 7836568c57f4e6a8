# bash completion for hilt                                  -*- shell-script -*-
# Installed as share/bash-completion/completions/hilt, where bash-completion
# loads it the first time "hilt " is completed.  It completes the commands,
# each command's options, suite and farm files (*.xml and folders), the
# values of --format and --chip, and the target names of the farm given
# earlier on the line with --farm (--target).  It uses bash-completion's
# helpers when they are loaded, and plain compgen when they are not.

# _hilt_farm_targets FILE: the name="..." of each <target> of a farm file.
_hilt_farm_targets()
{
    [[ -r $1 ]] || return
    tr '\n' ' ' <"$1" | grep -o '<target[[:space:]][^>]*>' |
        sed -n 's/.*[[:space:]]name="\([^"]*\)".*/\1/p'
}

# _hilt_files [GLOB]: file names (those matching GLOB, e.g. *.xml) and folders.
_hilt_files()
{
    local IFS=$'\n' cur=${COMP_WORDS[COMP_CWORD]}
    if declare -F _filedir >/dev/null; then
        if [[ $1 ]]; then _filedir "${1#\*.}"; else _filedir; fi
        return
    fi
    compopt -o filenames 2>/dev/null
    if [[ $1 ]]; then
        COMPREPLY+=($(compgen -d -- "$cur") $(compgen -f -X "!$1" -- "$cur"))
    else
        COMPREPLY+=($(compgen -f -- "$cur"))
    fi
}

_hilt_dirs()
{
    local IFS=$'\n' cur=${COMP_WORDS[COMP_CWORD]}
    if declare -F _filedir >/dev/null; then
        _filedir -d
        return
    fi
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -d -- "$cur"))
}

_hilt()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n = || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
    fi
    COMPREPLY=()

    local commands="run list validate report image ci bisect reserve console help"
    if ((cword == 1)); then
        COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
        return
    fi

    local cmd=${words[1]} sub="" opts="" i
    case $cmd in
        report) sub=merge\ compare\ html ;;
        image) sub=info\ parttable\ merge ;;
        ci) sub=gitlab ;;
        help)
            ((cword == 2)) && COMPREPLY=($(compgen -W "$commands" -- "$cur"))
            return
            ;;
    esac
    if [[ $sub ]]; then
        if ((cword == 2)); then
            COMPREPLY=($(compgen -W "$sub --help" -- "$cur"))
            return
        fi
        cmd="$cmd ${words[2]}"
    fi

    # The --farm given earlier on the line, for --target.
    local farm=""
    for ((i = 2; i < cword; i++)); do
        [[ ${words[i]} == --farm ]] && farm=${words[i + 1]}
    done

    case $prev in
        --farm | --durations | --baseline | --boot)
            _hilt_files '*.xml'
            return
            ;;
        --base)
            _hilt_files '*.xml'
            return
            ;;
        --out | --attachments-root | --repo | --builds)
            _hilt_dirs
            return
            ;;
        --target)
            local names
            if [[ $farm ]]; then
                names=$(_hilt_farm_targets "${farm/#\~/$HOME}")
            else
                names=default
            fi
            COMPREPLY=($(compgen -W "$names replay:" -- "$cur"))
            [[ ${COMPREPLY[0]} == replay: ]] && compopt -o nospace 2>/dev/null
            return
            ;;
        --format)
            case $cmd in
                "report compare") opts="text markdown json" ;;
                "image info") opts="text json" ;;
                "image parttable") opts="csv json" ;;
                bisect) opts="text json" ;;
            esac
            COMPREPLY=($(compgen -W "$opts" -- "$cur"))
            return
            ;;
        --chip)
            COMPREPLY=($(compgen -W "esp32 esp32s2 esp32s3 esp32c2 esp32c3 esp32c6 esp32h2 esp32p4 esp8266" -- "$cur"))
            return
            ;;
        -o | --output)
            _hilt_files
            return
            ;;
        --flaky)
            COMPREPLY=($(compgen -W "majority bad good skip" -- "$cur"))
            return
            ;;
        --only)
            COMPREPLY=($(compgen -W "cases times findings" -- "$cur"))
            return
            ;;
        --tags | --pool | --jobs | --retries | --rerun-failures | --max-target-errors | \
            --timeout-multiplier | --shard | --time-threshold | --time-floor | --mad-k | \
            --flash-size | --pad-to-size | --parallel | --image | --hilt | --path-var | \
            --time-from | --git | --build | --repeat | --for | --why | --escape)
            return
            ;;
    esac

    case $cmd in
        run) opts="--farm --target --tags --pool --out --jobs --retries --rerun-failures
                   --max-target-errors --timeout-multiplier --shard --durations --pcap
                   --realtime --no-progress --attachments-root --path-var --boot --help" ;;
        list) opts="--farm --target --tags --pool --shard --path-var --boot --help" ;;
        validate) opts="--strict --help" ;;
        reserve) opts="--farm --for --why --list --release --force --help" ;;
        console) opts="--farm --out --escape --wait --power-on --reset --download --flash --pace --watch --follow --help" ;;
        "report merge") opts="-o --output --help" ;;
        "report compare") opts="--base --time-threshold --time-floor --mad-k --time-from --findings-notice --format -o --output --help" ;;
        "report html") opts="--baseline --time-threshold --time-floor -o --output --help" ;;
        "image info") opts="--chip --format --help" ;;
        "image parttable") opts="--flash-size --format --help" ;;
        "image merge") opts="--chip --pad-to-size -o --help" ;;
        "ci gitlab") opts="--farm --tags --jobs --parallel --image --hilt --help" ;;
        bisect) opts="--builds --git --build --repo --repeat --jobs --retries --flaky --only
                      --time-threshold --time-floor --mad-k --time-from --findings-notice
                      --farm --target --tags --realtime --timeout-multiplier --out --format --help" ;;
        *) return ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return
    fi
    case $cmd in
        image*) _hilt_files ;;
        *) _hilt_files '*.xml' ;;
    esac
} &&
    complete -F _hilt hilt

# ex: filetype=sh
