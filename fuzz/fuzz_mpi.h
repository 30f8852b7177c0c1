/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_mpi.h -- the little of MPI that wengert-fuzz uses, so that the rest
 * of the program does not depend on it: with configure --with-mpi these
 * call MPI (fuzz_mpi.c), otherwise they are a run of one rank. */
#ifndef WG_FUZZ_MPI_H
#define WG_FUZZ_MPI_H

/* MPI_Init; *rank and *size of MPI_COMM_WORLD (0 and 1 without MPI).
 * Returns 0, or -1 when MPI could not start. */
/* 1 when built with MPI */
int  wg_fuzz_mpi_available(void);
int  wg_fuzz_mpi_init(int *argc, char ***argv, int *rank, int *size);
void wg_fuzz_mpi_finalize(void);
/* The largest of every rank's v (a barrier too). */
int  wg_fuzz_mpi_max(int v);
/* Rank 0's v, on every rank. */
int  wg_fuzz_mpi_bcast_int(int v);

#endif /* WG_FUZZ_MPI_H */
