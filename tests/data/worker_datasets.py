"""Datasets for worker tests that run under 'spawn': this module imports no torch, so a
spawned worker that unpickles these classes starts quickly."""

import os

import ember.utils.data as edata


class WorkerReport(edata.Dataset):
    """Each sample reports what its worker knows about itself."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = edata.get_worker_info()
        return {
            "id": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "same_dataset_type": type(info.dataset) is WorkerReport,
            "pid": os.getpid(),
            "tag": getattr(info.dataset, "tag", -1),
        }


def tag_dataset(worker_id):
    edata.get_worker_info().dataset.tag = 100 + worker_id
