#!/bin/sh
# deploy/nginx-kiosk-hub-upstream.conf is a valid nginx configuration: it is
# put into a minimal nginx.conf (pid, logs and temp folders in a temp folder)
# and checked with the real nginx (nginx -t). Usage: check_nginx_upstream.sh CONF
set -eu
conf=${1:?the example}
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || { echo "no nginx (deploy/install-deps.sh)" >&2; exit 1; }
dir=$(mktemp -d /tmp/nginx-upstream.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$conf" "$dir/upstream.conf"
cat >"$dir/nginx.conf" <<EOC
pid $dir/nginx.pid;
error_log $dir/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    include $dir/upstream.conf;
}
EOC
"$nginx" -t -q -p "$dir" -c "$dir/nginx.conf"
# what the comments promise is in the file
for want in 'max_fails=' 'fail_timeout=' 'non_idempotent' 'proxy_next_upstream_tries' \
            'location = /api/v1/health' 'PostgreSQL' 'location = /api/v1/admin/content' \
            '/screenshots/' '/events'; do
  grep -q -- "$want" "$conf" || { echo "missing: $want" >&2; exit 1; }
done
echo "nginx accepts $conf"
