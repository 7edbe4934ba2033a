#ifndef HELLO_RESPOND_H
#define HELLO_RESPOND_H

#include <fcgiapp.h>

/* Answers one accepted request: the request body is read and thrown away
 * (so a kept connection stays in step), then the fixed answer is written,
 * without its body for HEAD. Returns 0, or -1 if the web server went away. */
int respond(FCGX_Request *req);

#endif
