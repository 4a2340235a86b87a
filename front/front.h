/*
 * The kmsdiag front command: the tools by name, plus the two commands
 * that exist only here.  Each returns an exit status and parses its own
 * argv (argv[0] is the command name).
 */
#ifndef KD_FRONT_H
#define KD_FRONT_H

int	explain_main(int argc, char **argv);
int	doctor_main(int argc, char **argv);

#endif
