# Sourced by the scripts that install the Debian packages they miss, so that apt is called one way.
#   apt_install WHO PACKAGE...   WHO names the calling script in the message on stderr
apt_install() {
  local who=$1 sudo=""
  shift
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "$who: installing $*" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >&2
}
