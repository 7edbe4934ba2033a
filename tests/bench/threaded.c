/* A plain threaded libfcgi program, for comparison in the benchmark only:
 * THREADS threads each blocking in FCGX_Accept_r on one socket, without the
 * accept mutex of libfcgi's examples/threaded.c (Linux needs none).
 *
 *   threaded PATH_OR_:PORT THREADS */
#include <fcgiapp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int listen_fd;

static void *serve(void *arg)
{
    (void)arg;
    FCGX_Request req;
    if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
        return NULL;
    while (FCGX_Accept_r(&req) >= 0) {
        char buf[4096];
        while (FCGX_GetStr(buf, sizeof buf, req.in) > 0)
            ;
        FCGX_PutS("Content-Type: text/plain; charset=utf-8\r\n"
                  "Content-Length: 12\r\n"
                  "\r\n"
                  "Hello World!",
                  req.out);
        FCGX_Finish_r(&req);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc == 3 ? atoi(argv[2]) : 0;
    if (n < 1 || FCGX_Init() != 0 || (listen_fd = FCGX_OpenSocket(argv[1], 1024)) < 0) {
        fprintf(stderr, "usage: threaded PATH_OR_:PORT THREADS\n");
        return 2;
    }
    pthread_t t;
    for (int i = 1; i < n; i++)
        if (pthread_create(&t, NULL, serve, NULL) != 0)
            return 1;
    serve(NULL);
    return 0;
}
