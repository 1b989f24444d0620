#!/usr/bin/env perl
use FindBin;
use lib "$FindBin::RealBin/lib";
use App::MtAws;
App::MtAws::main();

