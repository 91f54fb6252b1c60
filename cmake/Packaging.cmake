# Install rules and the two Debian packages (CPack), issue 15:
#   cd build && cpack -G DEB
# makes huanglong-kiosk_<version>_<arch>.deb (the kiosk, its default content,
# the session unit, the "kiosk" user, /etc/huanglong-kiosk/kiosk.json) and
# huanglong-kiosk-hub_<version>_<arch>.deb (kiosk-hub, kioskctl,
# kiosk-hub-load, kiosk-hub.service, /etc/default/kiosk-hub). Paths below are
# relative to "/" (CPACK_PACKAGING_INSTALL_PREFIX), so a staged
# `cmake --install build --prefix DIR` lays out DIR/usr, DIR/etc, DIR/lib as
# the packages do and never writes to the real /etc. deploy/README.md says how
# to build and check them; deploy/package-check.sh installs them in a clean
# Debian 12 root.

set(KPKG_DEPLOY ${PROJECT_SOURCE_DIR}/deploy)
set(KPKG_GEN ${PROJECT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${KPKG_GEN})

# ---- huanglong-kiosk ------------------------------------------------------
if(TARGET kiosk)
  install(TARGETS kiosk RUNTIME DESTINATION usr/bin COMPONENT kiosk)
endif()
# The default bundle: /usr/bin/kiosk finds it at ../share/huanglong-kiosk/content
# (kiosk/main/main.c) and the packaged config names it too.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/assets/content/
        DESTINATION usr/share/huanglong-kiosk/content COMPONENT kiosk)
install(PROGRAMS ${KPKG_DEPLOY}/kiosk-session DESTINATION usr/libexec/huanglong-kiosk COMPONENT kiosk)
install(FILES ${KPKG_DEPLOY}/kiosk-session.service DESTINATION lib/systemd/system COMPONENT kiosk)
# The packaged config is the annotated example with no hub yet (requests wait
# in the outbox until hub_url and token_file are filled in).
file(READ ${KPKG_DEPLOY}/kiosk.example.json KPKG_CONF)
string(REPLACE "\"hub_url\": \"https://hub.huanglong.example:8443\"" "\"hub_url\": \"\""
       KPKG_CONF_PKG "${KPKG_CONF}")
if(KPKG_CONF_PKG STREQUAL KPKG_CONF)
  message(FATAL_ERROR "cmake/Packaging.cmake: deploy/kiosk.example.json no longer has the example "
                      "hub_url line this file blanks for the packaged config; update both")
endif()
file(WRITE ${KPKG_GEN}/kiosk.json "${KPKG_CONF_PKG}")
install(FILES ${KPKG_GEN}/kiosk.json DESTINATION etc/huanglong-kiosk COMPONENT kiosk)
# Simplified Chinese glyph shapes for anything else on the screen.
install(FILES ${PROJECT_SOURCE_DIR}/fonts/kiosk-fonts.conf DESTINATION usr/share/fontconfig/conf.avail
        RENAME 60-huanglong-kiosk.conf COMPONENT kiosk)
file(CREATE_LINK /usr/share/fontconfig/conf.avail/60-huanglong-kiosk.conf
     ${KPKG_GEN}/60-huanglong-kiosk.conf SYMBOLIC)
install(FILES ${KPKG_GEN}/60-huanglong-kiosk.conf DESTINATION etc/fonts/conf.d COMPONENT kiosk)

# ---- huanglong-kiosk-hub --------------------------------------------------
foreach(t kiosk-hub kioskctl kiosk-hub-load)
  if(TARGET ${t})
    install(TARGETS ${t} RUNTIME DESTINATION usr/bin COMPONENT hub)
  endif()
endforeach()
install(FILES ${KPKG_DEPLOY}/kiosk-hub.service DESTINATION lib/systemd/system COMPONENT hub)
install(FILES ${KPKG_DEPLOY}/kiosk-hub.default DESTINATION etc/default RENAME kiosk-hub COMPONENT hub)

# ---- documentation of both ------------------------------------------------
# Debian wants a copyright file and a changelog in every package.
string(TIMESTAMP KPKG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
foreach(comp kiosk hub)
  if(comp STREQUAL kiosk)
    set(pkg huanglong-kiosk)
  else()
    set(pkg huanglong-kiosk-hub)
  endif()
  file(WRITE ${KPKG_GEN}/${pkg}/changelog.Debian
       "${pkg} (${PROJECT_VERSION}-1) bookworm; urgency=medium\n\n"
       "  * Built from the project's repository with CPack (deploy/README.md).\n\n"
       " -- Huanglong kiosk developers <kiosk-dev@huanglong.example>  ${KPKG_DATE}\n")
  execute_process(COMMAND gzip -9nf ${KPKG_GEN}/${pkg}/changelog.Debian)
  install(FILES ${KPKG_GEN}/${pkg}/changelog.Debian.gz ${KPKG_DEPLOY}/debian/copyright
          ${PROJECT_SOURCE_DIR}/docs/operations.md
          DESTINATION usr/share/doc/${pkg} COMPONENT ${comp})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/docs/content-guide.md DESTINATION usr/share/doc/huanglong-kiosk
        COMPONENT kiosk)
install(FILES ${KPKG_DEPLOY}/kiosk.example.json DESTINATION usr/share/doc/huanglong-kiosk/examples
        COMPONENT kiosk)
install(FILES ${PROJECT_SOURCE_DIR}/docs/hub.md DESTINATION usr/share/doc/huanglong-kiosk-hub
        COMPONENT hub)
install(FILES ${KPKG_DEPLOY}/nginx-kiosk-hub.conf DESTINATION usr/share/doc/huanglong-kiosk-hub/examples
        COMPONENT hub)

# ---- CPack ----------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME huanglong-kiosk)
set(CPACK_PACKAGE_VENDOR "Huanglong business district service centre")
set(CPACK_PACKAGE_CONTACT "Huanglong kiosk developers <kiosk-dev@huanglong.example>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX "/")
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL kiosk hub)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps names the libraries' packages; the rest is listed here.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_KIOSK_PACKAGE_NAME huanglong-kiosk)
set(CPACK_DEBIAN_KIOSK_PACKAGE_SECTION misc)
set(CPACK_COMPONENT_KIOSK_DESCRIPTION
    "Huanglong lobby kiosk: fullscreen touch terminal for office lobbies\n\
The touch terminal of the Huanglong business district's office lobbies\n\
(Hangzhou), in Chinese and English: the district's services, notices, help\n\
requests with a pinyin keyboard and a ticket, and the ten-minute service\n\
circle map. Requests wait in a durable outbox while the network is down.\n\
.\n\
This package boots the screen straight into the kiosk (kiosk-session.service:\n\
the cage Wayland compositor on tty1 as the kiosk user), with the default\n\
(sample) content bundle and the configuration in /etc/huanglong-kiosk.")
# Fonts are found through fontconfig by name; pinyin data for search and the
# input method; cage, Xwayland (cage starts it) and seatd (the screen and input
# devices for cage); EGL and Mesa's drivers: SDL's Wayland window cannot open
# without EGL (found in a clean root: "EGL not initialized"), llvmpipe draws
# where no GPU driver fits. 语音播报: espeak-ng's library and its voices (the
# tone table of hanzi readings is built into the binary).
set(CPACK_DEBIAN_KIOSK_PACKAGE_DEPENDS
    "adduser, fontconfig, fonts-noto-cjk, fonts-material-design-icons-iconfont, libpinyin-data, cage, xwayland, seatd, libegl1, libegl-mesa0, libgl1-mesa-dri, libgles2, systemd, libespeak-ng1, espeak-ng-data")
set(CPACK_DEBIAN_KIOSK_PACKAGE_CONTROL_EXTRA
    "${KPKG_DEPLOY}/debian/kiosk/postinst;${KPKG_DEPLOY}/debian/kiosk/prerm;${KPKG_DEPLOY}/debian/kiosk/postrm;${KPKG_DEPLOY}/debian/kiosk/conffiles")

set(CPACK_DEBIAN_HUB_PACKAGE_NAME huanglong-kiosk-hub)
set(CPACK_DEBIAN_HUB_PACKAGE_SECTION net)
set(CPACK_COMPONENT_HUB_DESCRIPTION
    "Huanglong kiosk hub: central service and admin CLI for the lobby kiosks\n\
kiosk-hub receives the lobby kiosks' help requests and heartbeats, keeps\n\
tickets in SQLite and serves the staff web console and the phone pages;\n\
kioskctl is its administration command line, kiosk-hub-load a load\n\
generator for capacity checks.\n\
.\n\
This package runs the hub as kiosk-hub.service (a dynamic user, state in\n\
/var/lib/kiosk-hub, flags in /etc/default/kiosk-hub) with an admin token\n\
made on first install in /etc/kiosk-hub/admin.token.")
# libpq5: the PostgreSQL store (--db postgresql://..., --migrate-from)
set(CPACK_DEBIAN_HUB_PACKAGE_DEPENDS "systemd, libpq5")
set(CPACK_DEBIAN_HUB_PACKAGE_SUGGESTS "nginx, sqlite3, postgresql")
set(CPACK_DEBIAN_HUB_PACKAGE_CONTROL_EXTRA
    "${KPKG_DEPLOY}/debian/hub/postinst;${KPKG_DEPLOY}/debian/hub/prerm;${KPKG_DEPLOY}/debian/hub/postrm;${KPKG_DEPLOY}/debian/hub/conffiles")

include(CPack)
