/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_mpi.c -- fuzz_mpi.h over MPI when configured --with-mpi
 * (WG_HAVE_MPI), and as one rank otherwise. */
#include "fuzz_mpi.h"

#ifdef WG_HAVE_MPI
#include <mpi.h>

static int started;

int wg_fuzz_mpi_available(void) { return 1; }

int wg_fuzz_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return -1;
    started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

void wg_fuzz_mpi_finalize(void)
{
    if (started) {
        started = 0;
        MPI_Finalize();
    }
}

int wg_fuzz_mpi_max(int v)
{
    int m = v;
    if (started)
        MPI_Allreduce(&v, &m, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

int wg_fuzz_mpi_bcast_int(int v)
{
    if (started)
        MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return v;
}

#else /* one rank */

int wg_fuzz_mpi_available(void) { return 0; }

int wg_fuzz_mpi_init(int *argc, char ***argv, int *rank, int *size)
{
    (void)argc;
    (void)argv;
    *rank = 0;
    *size = 1;
    return 0;
}

void wg_fuzz_mpi_finalize(void) {}
int  wg_fuzz_mpi_max(int v) { return v; }
int  wg_fuzz_mpi_bcast_int(int v) { return v; }

#endif
