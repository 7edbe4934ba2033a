/* The usual libfcgi deployment, for comparison in the benchmark only: the
 * single-threaded FCGI_Accept loop from libfcgi's documentation, started by
 * spawn-fcgi. */
#include <fcgi_stdio.h>

int main(void)
{
    while (FCGI_Accept() >= 0)
        printf("Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Length: 12\r\n"
               "\r\n"
               "Hello World!");
    return 0;
}
