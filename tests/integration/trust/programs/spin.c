/* A runaway program: it never ends by itself.  The runtime must stop it
 * (fuel or time limit) and keep serving. */
int main(void) {
    volatile unsigned long counter = 0;
    for (;;)
        counter++;
}
