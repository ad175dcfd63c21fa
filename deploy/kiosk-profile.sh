# ~kiosk/.profile (or appended to it): on tty1 only, the kiosk replaces the login shell.
# Settings come from /etc/reception-kiosk/kiosk.env (KIOSK_CONFIG, KIOSK_DATA_DIR,
# KIOSK_DATABASE_URL); kiosk mode is on (--kiosk): ctrl+c, ctrl+q and ctrl+z do nothing
# and closing the kiosk takes an admin's username and PIN.
if [ "$(tty)" = "/dev/tty1" ]; then
    set -a
    . /etc/reception-kiosk/kiosk.env
    set +a
    setterm --blank 0 --powerdown 0 2>/dev/null  # the screen never goes blank at reception
    exec /opt/reception-kiosk/.venv/bin/kiosk run --kiosk
fi
