/* kioskctl_content: the `kioskctl content …` command group: keys, signing
 * (on the editors' machine, no hub involved) and publishing, listing and
 * watching the fleet (through the hub). See docs/content-guide.md. */
#ifndef KIOSKCTL_CONTENT_H
#define KIOSKCTL_CONTENT_H

/* When argv's command group is `content`, runs it and returns its exit code
 * (kioskctl's codes); otherwise returns -1 and does nothing. */
int kioskctl_content_main(int argc, char **argv);

#endif
