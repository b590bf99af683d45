#!/bin/sh
# Builds, inside the EL stand-in lab node image, a signed yum/dnf repository laid out like Docker's
# (REPO/linux/centos/9/x86_64/stable) whose packages carry Debian's real engine binaries: docker-ce
# (dockerd + its systemd unit), docker-ce-cli, containerd.io (containerd, runc), and empty
# docker-buildx-plugin, docker-compose-plugin, container-selinux, plus podman-docker and buildah
# stand-ins to prove the conflict handling. Real rpmbuild, rpmsign and createrepo_c (Debian packages).
set -eu
REPO=${1:-/srv/docker-repo}
VERSION=${2:-20.10.24}
RELEASE=1.el9
WORK=$(mktemp -d)
mkdir -p "$WORK/debs" "$WORK/root" "$WORK/rpm"
cd "$WORK/debs"
apt-get -o APT::Sandbox::User=root download docker.io containerd runc tini >/dev/null
for deb in ./*.deb; do dpkg-deb -x "$deb" "$WORK/root"; done

stage() {  # stage PACKAGE SRC DEST...: copy files into the package's root
    pkg=$1; shift
    while [ $# -gt 1 ]; do
        mkdir -p "$WORK/pkg/$pkg$(dirname "$2")"
        cp -L "$WORK/root$1" "$WORK/pkg/$pkg$2"
        shift 2
    done
    mkdir -p "$WORK/pkg/$pkg"
}
stage docker-ce /usr/sbin/dockerd /usr/bin/dockerd /usr/sbin/docker-proxy /usr/bin/docker-proxy \
    /usr/bin/tini-static /usr/bin/docker-init
mkdir -p "$WORK/pkg/docker-ce/usr/lib/systemd/system"
cat > "$WORK/pkg/docker-ce/usr/lib/systemd/system/docker.service" <<'UNIT'
[Unit]
Description=Docker Application Container Engine (berth lab stand-in package)
After=network-online.target containerd.service
Wants=network-online.target containerd.service

[Service]
Type=notify
ExecStart=/usr/bin/dockerd --containerd=/run/containerd/containerd.sock
ExecReload=/bin/kill -s HUP $MAINPID
Restart=on-failure
Delegate=yes
KillMode=process
LimitNOFILE=infinity

[Install]
WantedBy=multi-user.target
UNIT
stage docker-ce-cli /usr/bin/docker /usr/bin/docker
stage containerd.io /usr/bin/containerd /usr/bin/containerd /usr/bin/containerd-shim-runc-v2 \
    /usr/bin/containerd-shim-runc-v2 /usr/sbin/runc /usr/bin/runc
mkdir -p "$WORK/pkg/containerd.io/usr/lib/systemd/system"
cat > "$WORK/pkg/containerd.io/usr/lib/systemd/system/containerd.service" <<'UNIT'
[Unit]
Description=containerd container runtime (berth lab stand-in package)
After=network.target

[Service]
ExecStart=/usr/bin/containerd
Type=notify
Delegate=yes
KillMode=process
Restart=always

[Install]
WantedBy=multi-user.target
UNIT
for pkg in docker-buildx-plugin docker-compose-plugin container-selinux podman-docker buildah; do
    mkdir -p "$WORK/pkg/$pkg"
done

build() {  # build NAME EPOCH VERSION
    name=$1; epoch=$2; version=$3
    files=$(cd "$WORK/pkg/$name" && find . -type f | sed 's|^\.||')
    {
        echo "%define debug_package %{nil}"
        echo "%define __os_install_post %{nil}"
        echo "Name: $name"
        [ "$epoch" = 0 ] || echo "Epoch: $epoch"
        echo "Version: $version"
        echo "Release: $RELEASE"
        echo "Summary: berth.docker lab stand-in for $name"
        echo "License: Apache-2.0"
        echo "AutoReqProv: no"
        echo "BuildArch: x86_64"
        echo "%description"
        echo "Stand-in package for the berth.docker EL lab node (tests only)."
        echo "%install"
        echo "mkdir -p %{buildroot} && cp -a $WORK/pkg/$name/. %{buildroot}/"
        echo "%files"
        for f in $files; do echo "$f"; done
    } > "$WORK/$name.spec"
    rpmbuild -bb --quiet --define "_topdir $WORK/rpm" "$WORK/$name.spec" >/dev/null
}
build docker-ce 3 "$VERSION"
build docker-ce-cli 1 "$VERSION"
build containerd.io 0 1.6.20
build docker-buildx-plugin 0 0.11.2
build docker-compose-plugin 0 2.20.2
build container-selinux 2 2.221.0
build podman-docker 4 4.6.1
build buildah 2 1.31.3

export GNUPGHOME="$WORK/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key 'berth lab repository <lab@berth.invalid>' rsa2048 sign never
DEST="$REPO/linux/centos/9/x86_64/stable/Packages"
mkdir -p "$DEST"
cp "$WORK"/rpm/RPMS/x86_64/*.rpm "$DEST/"
rpmsign --addsign --define '_gpg_name berth lab repository' --define '__gpg /usr/bin/gpg' "$DEST"/*.rpm >/dev/null
gpg --batch --armor --export 'berth lab repository' > "$REPO/linux/centos/gpg"
createrepo_c --quiet "$REPO/linux/centos/9/x86_64/stable"
rm -rf "$WORK"
