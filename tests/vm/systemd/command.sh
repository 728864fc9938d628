#!/bin/bash
# command.sh - run by casca-vm-command.service in the VM lane's systemd mode:
# the same environment, exit status hand-over and power-off as stage2.sh in
# the default mode, but in a service of the guest's systemd.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
export LANG=C.UTF-8 TMPDIR=/tmp
read -r up _ < /proc/uptime
echo "casca-vm: command uptime=$up"
/bin/bash /run/vmwork/cmd.sh < /dev/null 2>&1
echo $? > /run/vmwork/rc
sync
/bin/busybox poweroff -f
