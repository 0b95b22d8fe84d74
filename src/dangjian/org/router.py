from fastapi import APIRouter

router = APIRouter()  # /orgs
lookups = APIRouter()  # /divisions, /units
