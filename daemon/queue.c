/* queue.c — the daemon's queues between threads (pdld.h). */
#include <errno.h>
#include <time.h>

#include "pdld.h"

struct link {
	struct link *next;
};

void
pdld_queue_init(struct queue *q)
{
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	q->head = NULL;
	q->tail = &q->head;
	q->len = 0;
	q->closed = 0;
}

void
pdld_queue_push(struct queue *q, void *item)
{
	((struct link *)item)->next = NULL;
	pthread_mutex_lock(&q->mu);
	*q->tail = item;
	q->tail = (void **)&((struct link *)item)->next;
	q->len++;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Pops one item, waiting; NULL when closed and empty. */
void *
pdld_queue_pop(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->head == NULL && !q->closed)
		pthread_cond_wait(&q->cv, &q->mu);
	struct link *it = q->head;
	if (it != NULL) {
		q->head = it->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->len--;
	}
	pthread_mutex_unlock(&q->mu);
	return it;
}

/* Takes the whole list, waiting up to ms; NULL on timeout or closed+empty. */
void *
pdld_queue_take_all(struct queue *q, uint64_t ms, int *closed)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&q->mu);
	while (q->head == NULL && !q->closed)
		if (pthread_cond_timedwait(&q->cv, &q->mu, &ts) == ETIMEDOUT)
			break;
	void *all = q->head;
	q->head = NULL;
	q->tail = &q->head;
	q->len = 0;
	*closed = q->closed;
	pthread_mutex_unlock(&q->mu);
	return all;
}

void
pdld_queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}
