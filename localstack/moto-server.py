"""Starts moto_server with DynamoDB writes made atomic, as DynamoDB makes them.

moto 5.2.5 serves requests on threads and evaluates a conditional write (read the item, check the condition,
apply the update) without a lock, so two concurrent writes to one item can both pass a condition only one of them
should pass: five concurrent takes of a three-slot pool all succeeded there under CPU load. DynamoDB applies each
write to an item atomically, and Airstep's pool slots, DAG task caps and run admission rely on that. Here every
DynamoDB write runs under one lock; everything else is moto unchanged. Arguments are moto_server's.
"""

import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_WRITES = threading.RLock()


def _atomic(method):
    @functools.wraps(method)
    def locked(*args, **kwargs):
        with _WRITES:
            return method(*args, **kwargs)

    return locked


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    main(sys.argv[1:])
